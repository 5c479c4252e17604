export * from "./catalog.js";
export * from "./common.js";
export * from "./speed-commands.js";
export * from "./topics.js";
