import { InvalidArgumentError, type Command } from 'commander';
import type { Context } from '../context.js';
import type { Help } from '../help.js';
import type { Messages } from '../messages.js';

/** Runs a command's body with a context made from its (and the program's) options; the body returns the exit code. */
export type Runner = (command: Command, body: (context: Context) => Promise<number>) => Promise<void>;

export interface Registration {
  program: Command;
  help: Help;
  t: Messages;
  run: Runner;
}

/** An option argument that must be a positive whole number. */
export const positiveInt = (t: Messages, option: string) => (raw: string) => {
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new InvalidArgumentError(t.positive(option, raw));
  return value;
};

/** An option argument from a fixed set. */
export const oneOf =
  <T extends string>(t: Messages, option: string, choices: readonly T[]) =>
  (raw: string) => {
    if (!(choices as readonly string[]).includes(raw)) throw new InvalidArgumentError(t.choice(option, choices.join(', '), raw));
    return raw as T;
  };
