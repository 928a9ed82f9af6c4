// Preloaded (`node --require`) into a child process that is not ours to change (the Remix build),
// started with an IPC channel: when the process that started it goes away, even killed with
// SIGKILL, the channel closes and this one exits too instead of running on as an orphan.
"use strict";
if (process.channel) {
  process.channel.unref();
  process.on("disconnect", () => process.exit(1));
}
