import { respondent0 } from "../protocol/respondent0.js";
import { SURVEY_TIME, surveyor0 } from "../protocol/surveyor0.js";
import { Socket, type SocketOptions } from "../socket/socket.js";

/**
 * surveyor (v0): a send broadcasts a survey to every respondent; receives return their responses
 * until the survey time passes (then ETIMEDOUT), and ESTATE when no survey is in progress.
 */
export class Surveyor0 extends Socket {
  constructor(options?: SocketOptions) {
    super(surveyor0, options);
  }

  /** `surveyor:survey-time` in ms (default 1000; -1 never ends) for surveys sent from now on. */
  get surveyTime(): number {
    return this.getOption(SURVEY_TIME) as number;
  }
  /** Sets `surveyor:survey-time` in ms for surveys sent from now on. */
  set surveyTime(ms: number) {
    this.setOption(SURVEY_TIME, ms);
  }
}

/** respondent (v0): receives surveys and answers each one, once, to the surveyor that sent it. */
export class Respondent0 extends Socket {
  constructor(options?: SocketOptions) {
    super(respondent0, options);
  }
}
