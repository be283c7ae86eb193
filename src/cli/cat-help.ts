// nngcat's --help text (libnng 1.5.2), with this tool's name and the --bus0 line nngcat leaves out.
export const CAT_HELP = `Usage: nngts cat <proto> <addr>... [<fmt>] [<opts>...] [<src>]

<proto> must be one of:
  --req0                 (or alias --req)
  --rep0                 (or alias --rep)
  --pub0                 (or alias --pub)
  --sub0                 (or alias --sub)
  --push0                (or alias --push)
  --pull0                (or alias --pull)
  --surveyor0            (or alias --surveyor)
  --respondent0          (or alias --respondent)
  --pair0
  --pair1
  --pair                 (alias for either pair0 or pair1)
  --bus0                 (or alias --bus)

<addr> must be one or more of:
  --dial <url>           (or alias --connect <url>)
  --listen <url>         (or alias --bind <url>)
  --bind-local <port>    (or alias -L <port>)
  --connect-local <port> (or alias -l <port>)
  --bind-ipc <path>      (or alias -X <path>)
  --connect-ipc <path>   (or alias -x <path>)

<fmt> may be one or none of:
  --format <no|ascii|hex|msgpack|quoted|raw>
  --ascii                (or alias -A)
  --quoted               (or alias -Q)
  --hex
  --msgpack
  --raw

<opts> may be any of:
  --subscribe <topic>    (only with --sub protocol)
  --silent               (or alias -q)
  --verbose              (or alias -v)
  --count <num>          (or alias -C <num>)
  --delay <secs>         (or alias -d <secs>)
  --interval <secs>      (or alias -i <secs>)
  --recv-timeout <secs>
  --send-timeout <secs>
  --recv-maxsz <size>    (or alias -Z <size>)
  --compat
  --async
  --insecure             (or alias -k)
  --cacert <file>
  --cert <file>          (or alias -E <file>)
  --key <file>
  --zt-home <path>

<src> may be one of:
  --file <file>          (or alias -F <file>). Use - for standard input.
  --data <data>          (or alias -D <data>)
`;
