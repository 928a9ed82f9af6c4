// `npm run prisma -- <args>`: the Prisma CLI against DATABASE_URL, or outside production the
// local embedded PostgreSQL when it is not set (started for the command's duration).
import { checkDatabaseChoice, localDatabase } from "./lib/local-database";
import { runPrisma } from "./lib/prisma-cli";
import { errorMessage } from "../app/error-message";

const args = process.argv.slice(2);
const needsServer = args[0] !== "generate" && args[0] !== "format" && args[0] !== "validate";
let url = process.env.DATABASE_URL ?? "postgresql://localhost:5432/metryka";
let stop = async () => {};
try {
  if (needsServer) checkDatabaseChoice();
  if (needsServer && !process.env.DATABASE_URL) {
    const db = await localDatabase({ migrate: false });
    url = db.url;
    stop = () => db.server.stop();
  }
} catch (error) {
  process.stderr.write(`${errorMessage(error)}\n`);
  process.exit(1);
}
const { status } = await runPrisma(args, url);
await stop();
process.exit(status);
