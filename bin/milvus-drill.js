#!/usr/bin/env node
// Entry point: loads the TypeScript sources through tsx, so scenarios written in TypeScript
// load the same way the program does, with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
