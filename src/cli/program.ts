// The command tree of interfaces.md; each command lives in its own file.
import { Command } from 'commander';

export async function runCli(argv: string[]): Promise<number> {
  const program = new Command('dangan').version('0.1.0');
  await program.parseAsync(argv, { from: 'user' });
  return 0;
}
