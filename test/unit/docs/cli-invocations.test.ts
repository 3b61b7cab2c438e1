import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';

/**
 * Every `dumpflow <command> --option` the README and docs/*.md show must still parse: the command
 * exists and each long option it is shown with appears in that command's --help.
 *
 * The program is rebuilt from cli/main.ts's own wiring (its `registerX(program)` calls and their
 * imports) instead of spawning bin/dumpflow.js per command: the same commands, in well under a
 * second instead of tsx's ~0.5 s startup each. main.ts exports no builder and parses argv as soon
 * as it loads, so it is read as text, not imported.
 */

const ROOT = path.resolve(__dirname, '../../..');
const MAIN = path.join(ROOT, 'cli/main.ts');

/**
 * Commands the docs already describe whose implementation is being added on other branches. They
 * are skipped until main.ts registers them; once it does, the check applies to them like any other.
 */
const PENDING_COMMANDS = new Set(['status', 'redrive', 'erase']);

/** The program main.ts builds, without parsing argv. */
function buildProgram(): Command {
  const source = readFileSync(MAIN, 'utf8');
  const modules = new Map<string, string>();
  for (const [, name, from] of source.matchAll(
    /import \{ (register\w+) \} from '(\.\/commands\/[\w-]+)';/g,
  )) {
    modules.set(name as string, from as string);
  }
  const program = new Command('dumpflow');
  const registered = [...source.matchAll(/^(register\w+)\(program\);$/gm)].map((match) => match[1] as string);
  for (const name of registered) {
    const from = modules.get(name);
    if (from === undefined) throw new Error(`cli/main.ts calls ${name} without a matching import`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const module = require(path.join(ROOT, 'cli', from)) as Record<string, (program: Command) => void>;
    const register = module[name];
    if (register === undefined) throw new Error(`${from} does not export ${name}`);
    register(program);
  }
  return program;
}

interface Invocation {
  readonly file: string;
  readonly command: string;
  readonly options: readonly string[];
  readonly text: string;
}

const INVOCATION = /(?:^|[\s(`])(?:npx dumpflow|node bin\/dumpflow\.js|dumpflow)\s+([a-z][a-z-]*)(.*)$/;

/** Code in a Markdown file: fenced blocks (continuation lines joined) and inline code spans. */
function codeSnippets(markdown: string): string[] {
  const snippets: string[] = [];
  let fenced = false;
  let pending = '';
  for (const line of markdown.split('\n')) {
    if (line.trimStart().startsWith('```')) {
      fenced = !fenced;
      continue;
    }
    if (fenced) {
      pending += line;
      if (line.endsWith('\\')) pending = pending.slice(0, -1) + ' ';
      else {
        snippets.push(pending);
        pending = '';
      }
    } else {
      for (const span of line.matchAll(/`([^`]+)`/g)) snippets.push(span[1] as string);
    }
  }
  return snippets;
}

/** Each dumpflow invocation in `snippet`: up to a pipe, `&&`, `;` or a shell comment. */
function invocationsIn(file: string, snippet: string): Invocation[] {
  const found: Invocation[] = [];
  for (const part of snippet.split(/\s+(?:\|\|?|&&|;|#)\s*/)) {
    const match = INVOCATION.exec(part);
    if (match === null) continue;
    const [, command, rest] = match as unknown as [string, string, string];
    const options = [...rest.matchAll(/(?:^|\s|\[)(--[a-z][a-z0-9-]*)/g)].map(
      (option) => option[1] as string,
    );
    found.push({ file, command, options, text: part.trim() });
  }
  return found;
}

function documentedInvocations(): Invocation[] {
  const files = [
    'README.md',
    ...readdirSync(path.join(ROOT, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .map((name) => `docs/${name}`),
  ];
  return files.flatMap((file) =>
    codeSnippets(readFileSync(path.join(ROOT, file), 'utf8')).flatMap((snippet) =>
      invocationsIn(file, snippet),
    ),
  );
}

describe('CLI invocations in README.md and docs/*.md', () => {
  const program = buildProgram();
  const commands = new Map(program.commands.map((command) => [command.name(), command]));
  const invocations = documentedInvocations();
  const checked = invocations.filter(
    (invocation) => !PENDING_COMMANDS.has(invocation.command) || commands.has(invocation.command),
  );

  it('finds the documented invocations and the registered commands', () => {
    // Guards the extraction itself: a regex that matched nothing would make the checks below vacuous.
    expect(commands.size).toBeGreaterThanOrEqual(8);
    expect(checked.length).toBeGreaterThan(20);
    // At least these; a pending command joins the set once main.ts registers it.
    expect([...new Set(checked.map((invocation) => invocation.command))]).toEqual(
      expect.arrayContaining(['bench', 'events', 'generate', 'inspect', 'kpis', 'local', 'plan', 'verify']),
    );
  });

  it('names only registered commands (or ones listed as pending)', () => {
    const unknown = checked.filter((invocation) => !commands.has(invocation.command));
    expect(unknown.map(({ file, text }) => `${file}: ${text}`)).toEqual([]);
  });

  it("shows only long options that appear in the command's --help", () => {
    const missing: string[] = [];
    for (const { file, command, options, text } of checked) {
      const help = commands.get(command)?.helpInformation();
      if (help === undefined) continue;
      for (const option of options) {
        if (!new RegExp(`(^|[\\s,])${option}(?![\\w-])`, 'm').test(help))
          missing.push(`${file}: ${option} in "${text}"`);
      }
    }
    expect(missing).toEqual([]);
  });
});
