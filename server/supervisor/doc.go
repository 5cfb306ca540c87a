// Package supervisor runs the local controller's runners as real OS
// processes. It implements server.Runtime (what runs, reconciled with the
// store), server.RunnerLogReader (each runner's output and lifetime),
// gateway.Router (request slots on ready runners, which are the demand the
// autoscaler sees) and gateway.Queues (the requests waiting for a slot).
//
// # What a runner runs
//
// A revision's command is its metadata's "command" entry when that is a
// list of strings (an argv, as `faldash deploy -- COMMAND ARGS` sends it);
// otherwise its entrypoint, run as `/bin/sh -c ENTRYPOINT`. An argv[0]
// without a slash is looked up in the controller's PATH; a relative path is
// relative to the runner's working directory, so deployers send absolute
// paths. A "command" entry that is not a non-empty list of strings is a
// setup failure.
//
// # Confinement
//
// Each runner is started through package confine's shim, which leads a
// process group of its own with the runner in it. On Linux the runner
// cannot read or write the controller's data directory (the database,
// its WAL, admin.key, the pid records) nor the directories of other
// runners (Landlock), nor the default controller's data directory, the
// runner directories of any controller in the user's cache, and fal's
// own ~/.fal with the user's fal cloud credentials: it sees the rest of
// the filesystem read-only and may write only in its working directory,
// its app's HF_HOME and /dev.
// Where the kernel allows it, the shim is PID 1 of a PID namespace of its
// own, so no process of the runner outlives it, setsid or not; elsewhere
// it is a subreaper that kills the runner's orphans. The shim ends the
// runner when the controller dies, even by SIGKILL. Start logs what this
// system allows, and Isolation reports it.
//
// A runner works in <RunnerDir>/runners/<id>/ (removed when the runner
// ends), outside the data directory, and its environment is exactly:
//   - PATH, HOME, LANG and LC_* from the controller's environment, and
//     nothing else of it;
//   - TMPDIR, its own <RunnerDir>/runners/<id>/tmp;
//   - every secret of the app's environment, under its own name (a secret
//     named like one of the above replaces it);
//   - fal's platform variables: FAL_KEY (a read-only key of this runner
//     process's own, added to the controller's keyring while the process
//     lives and refused once it has ended, never the admin key),
//     FAL_APP_NAME (<user>/<full alias>), FAL_APP_ID (the revision),
//     FAL_USER_NICKNAME, FAL_JOB_ID (the runner id), FAL_HOST (the
//     controller's address), FAL_RUNNER_STATE=SETUP and HF_HOME
//     (<RunnerDir>/hf/<env>/<app>, shared by the app's runners);
//   - PORT, a free loopback port the runner must serve HTTP on.
//
// Platform variables and PORT always win over a secret of the same name.
//
// # Lifecycle
//
// A runner is PENDING until its process starts, then SETUP until a TCP
// connection to 127.0.0.1:PORT succeeds, then IDLE or RUNNING (serving at
// least one request). If it exits during setup, or is not ready within the
// alias's startup_timeout (then it is killed), it waits in FAILURE_DELAY
// for min(BackoffStep × consecutive failures, BackoffMax) and is retried
// as a new process in the same runner slot, under the same runner id, so
// the failure count and its logs carry over. A runner that exits after it
// was ready is TERMINATED and the autoscaler starts another if needed.
//
// A graceful stop takes a runner out of service (DRAINING) until its
// in-flight requests are done, then sends SIGTERM to its process group
// (TERMINATING) and, after the grace period (the revision's
// termination_grace_period_seconds, else Config.DefaultGrace), SIGKILL to
// every process of the runner. When the runner exits, whatever else it
// started is killed, in its group or not, as a container's processes die
// with it. TERMINATED runners stay listed (when
// asked for with a start time) for Config.HistoryTTL.
//
// StopRunner with replace_first, RolloutApplication and a redeploy with
// the ROLLING strategy mark a ready runner WILL_REPLACE and start a
// replacement (DID_REPLACE); the old runner keeps serving until the
// replacement is ready, then drains (a forced rollout signals it at once).
// A redeploy with RECREATE (fal's default) drains the old revision's
// runners and starts the new revision's once they have all ended. Runners
// of an old revision that are not serving yet are stopped at once.
//
// # Shells
//
// StartShell (fal's ShellRunner) runs a command beside a ready runner
// (IDLE, RUNNING, DRAINING or TERMINATING; one still pending or setting up
// is refused): its shim starts it, so it has the runner's environment,
// working directory, Landlock domain and PID namespace, and may do
// nothing the runner may not. Without a command it runs the controller
// user's $SHELL, else /bin/sh. On a terminal (TERM=xterm-256color unless
// the runner's environment sets one) it leads a session of its own;
// otherwise stdout and stderr share one pipe. It ends, with every process
// it started, when it exits, when its caller's context ends, or when the
// runner does (see package confine).
//
// # Crash recovery
//
// Every live runner process has a record in <data>/pids/<id>.json (pid and
// the kernel's start time of its shim). Runners end with their
// controller, but one whose shim was killed from outside may not; a
// supervisor that starts on a data directory with records left behind
// kills those processes, after checking that each pid still belongs to
// that runner (same start time, or FAL_JOB_ID=<id> in its environment),
// and lists the runners as TERMINATED.
//
// # Clocks
//
// Config.Clock is the time the supervisor reports and decides by: uptime,
// idle times, keep_alive countdowns, back-off deadlines, lease times and
// end times. Waits that concern a process itself (readiness polling,
// startup_timeout, the grace period) use real timers.
package supervisor
