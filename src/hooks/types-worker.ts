/**
 * Thread entry of types-file-thread.ts: generates and writes `<dataDir>/types.d.ts`. The script
 * library and sources it reads to do so are loaded in this thread only, and freed when it ends.
 */
import { parentPort, workerData } from "node:worker_threads";
import { writeTypesFile } from "./types-file.ts";

const { dataDir, firstLine } = workerData as { dataDir: string; firstLine: string };
writeTypesFile(dataDir, (message) => parentPort?.postMessage(message), firstLine);
