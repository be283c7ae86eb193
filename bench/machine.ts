// What the numbers were measured on.
import { readFileSync } from "node:fs";
import { cpus, release } from "node:os";
import { libnngVersion } from "./libnng.js";

export interface MachineInfo {
  cpu: string;
  cores: number;
  node: string;
  libnng: string;
  os: string;
}

function cpuModel(): string {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((l) => l.startsWith("model name"));
    if (line) return line.slice(line.indexOf(":") + 1).trim();
  } catch {
    /* not Linux */
  }
  return cpus()[0]?.model ?? "unknown";
}

export function machineInfo(): MachineInfo {
  return {
    cpu: cpuModel(),
    cores: cpus().length,
    node: process.version,
    libnng: libnngVersion(),
    os: `${process.platform} ${release()}`,
  };
}
