// A worker process started as `npm run worker` starts it, for the tests and benchmarks that run
// real workers beside them: one process (tsx's loader in node itself, not the tsx command, which
// runs a child), so that killing it kills the worker, with its output kept for messages.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { JOB_PROCESS_NODE_FLAGS } from "./node-options";
import { PROJECT_ROOT } from "./postgres";

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything it printed, stdout and stderr in arrival order. */
  output: string[];
}

export function startWorkerProcess(env: NodeJS.ProcessEnv = process.env): WorkerProcess {
  const output: string[] = [];
  const child = spawn(process.execPath, [...JOB_PROCESS_NODE_FLAGS.split(" "), "--import", "tsx", path.join(PROJECT_ROOT, "scripts/worker.ts")], {
    cwd: PROJECT_ROOT,
    env,
    // The IPC channel: a worker stops by itself when the process that started it goes away.
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  return { child, output };
}

/** Sends `signal` and waits until the worker has exited (at once if it already has). */
export function stopWorkerProcess(worker: WorkerProcess, signal: NodeJS.Signals): Promise<void> {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    worker.child.once("exit", () => resolve());
    worker.child.kill(signal);
  });
}
