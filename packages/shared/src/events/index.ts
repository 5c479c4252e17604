export * from "./catalog.js";
export * from "./common.js";
export * from "./parse.js";
export * from "./speed-commands.js";
export * from "./speed-verify.js";
export * from "./topics.js";
