// Every command's name, flags and help, declared up front (cheap), with its implementation loaded only
// when it runs. One file per verb under commands/.

import { Option, type Command } from 'commander';
import type { GlobalOptions } from '../global-options.js';

type Action = (options: Record<string, unknown>, args: string[], globals: GlobalOptions) => Promise<void>;

/** Wraps a lazily imported action so commander hands it the command's options, arguments and globals. */
function lazy(load: () => Promise<{ run: Action }>) {
  return async (...received: unknown[]) => {
    const command = received[received.length - 1] as Command;
    const { run } = await load();
    const args = command.args;
    const globals = command.optsWithGlobals() as GlobalOptions;
    await run(command.opts(), args, globals);
  };
}

export function registerCommands(program: Command): void {
  program
    .command('config')
    .description('parse, resolve and render the compose project in canonical form')
    .argument('[services...]', 'only these services')
    .addOption(new Option('--format <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .option('-q, --quiet', 'only validate the configuration, print nothing')
    .option('--services', 'print the service names, one per line')
    .option('--volumes', 'print the volume names, one per line')
    .option('--networks', 'print the network names, one per line')
    .option('--profiles', 'print the profile names, one per line')
    .option('--images', 'print the image names, one per line')
    .option('--variables', 'print the variables used by the model and their defaults')
    .option('--environment', 'print the environment used for interpolation')
    .option('--hash <services>', "print the config hash of services ('svc1,svc2' or '*')")
    .option('--no-interpolate', 'do not interpolate environment variables')
    .option('--no-normalize', 'do not normalise the model')
    .option('--no-path-resolution', 'keep relative paths as written')
    .option('--no-consistency', 'skip the semantic checks')
    .option('-o, --output <path>', 'write to this file instead of standard output')
    .action(lazy(() => import('./config.js')));

  program
    .command('version')
    .description('show the berth version information')
    .addOption(new Option('--format <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .option('--short', 'print only the version number')
    .action(lazy(() => import('./version.js')));

  registerImageCommands(program);
  registerContainerCommands(program);
  registerRegistryCommands(program);

  const engine = program.command('engine').description("manage berth's embedded container engine");
  engine
    .command('run')
    .description('run the engine in the foreground (logs to stderr; stops on SIGTERM or Ctrl-C)')
    .action(lazy(() => import('./engine-run.js')));
  engine
    .command('status')
    .description('show whether the engine is running (exit 1 when it is not)')
    .addOption(new Option('--format <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .action(lazy(() => import('./engine.js').then((m) => ({ run: m.status }))));
  engine
    .command('stop')
    .description('stop the background engine')
    .option('-t, --timeout <seconds>', 'how long to wait before killing it', '15')
    .action(lazy(() => import('./engine.js').then((m) => ({ run: m.stop }))));
  engine
    .command('logs')
    .description("print the engine's log")
    .option('-f, --follow', 'keep printing new lines')
    .option('-n, --tail <lines>', 'only the last lines ("all" for everything)', 'all')
    .action(lazy(() => import('./engine.js').then((m) => ({ run: m.logs }))));
}

function formatOption(): Option {
  return new Option('--format <format>', 'output format').choices(['table', 'json']).default('table');
}

function collectFlag(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function registerImageCommands(program: Command): void {
  const image = program.command('image').description("manage the engine's images");
  const load = (pick: (m: typeof import('./image.js')) => Action) =>
    lazy(() => import('./image.js').then((m) => ({ run: pick(m) })));
  image
    .command('ls')
    .alias('list')
    .description('list images')
    .argument('[repository]', 'only images of this repository (REPOSITORY[:TAG], globs allowed)')
    .option('-a, --all', 'show all images')
    .option('-q, --quiet', 'only show image IDs')
    .option('--digests', 'show digests')
    .option('--no-trunc', 'do not truncate output')
    .option(
      '-f, --filter <filter>',
      'filter output (dangling=, label=, reference=, before=, since=)',
      collectFlag,
    )
    .addOption(formatOption())
    .action(load((m) => m.ls));
  image
    .command('inspect')
    .description('show detailed information on images (JSON)')
    .argument('<images...>')
    .action(load((m) => m.inspect));
  image
    .command('rm')
    .alias('remove')
    .description('remove images')
    .argument('<images...>')
    .option('-f, --force', 'force removal')
    .option('--no-prune', 'do not delete untagged parents')
    .action(load((m) => m.rm));
  image
    .command('tag')
    .description('create a tag TARGET that refers to SOURCE')
    .argument('<source>')
    .argument('<target>')
    .action(load((m) => m.tag));
  image
    .command('import')
    .description('import a root filesystem tar (FILE or - for stdin) as an image')
    .argument('<file>')
    .argument('[reference]', 'REPOSITORY[:TAG] for the new image')
    .option('-c, --change <instruction>', 'apply a Dockerfile instruction (CMD, ENV, ...)', collectFlag)
    .option('-m, --message <message>', 'commit message of the imported image')
    .action(load((m) => m.importImage));
  image
    .command('load')
    .description('load images from a tar archive (docker-archive or OCI layout)')
    .option('-i, --input <file>', 'read from this file instead of stdin')
    .option('-q, --quiet', 'suppress the load output')
    .action(load((m) => m.load));
  image
    .command('save')
    .description('save images to a tar archive (stdout by default)')
    .argument('<images...>')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .action(load((m) => m.save));
  image
    .command('history')
    .description('show the history of an image')
    .argument('<image>')
    .option('-q, --quiet', 'only show image IDs')
    .option('--no-trunc', 'do not truncate output')
    .addOption(formatOption())
    .action(load((m) => m.history));
  image
    .command('prune')
    .description('remove unused images (dangling ones unless -a)')
    .option('-a, --all', 'remove all images no container uses')
    .option('-f, --force', 'do not ask for confirmation')
    .option('--filter <filter>', 'filters (until=, label=)', collectFlag)
    .addOption(formatOption())
    .action(load((m) => m.prune));
}

function registerRegistryCommands(program: Command): void {
  const load = (pick: (m: typeof import('./registry.js')) => Action) =>
    lazy(() => import('./registry.js').then((m) => ({ run: pick(m) })));
  const image = program.commands.find((c) => c.name() === 'image');
  image
    ?.command('pull')
    .description('pull an image from a registry')
    .argument('<name>', 'NAME[:TAG|@DIGEST]')
    .option('--platform <platform>', 'os/arch[/variant] to pull from a multi-platform image')
    .option('-q, --quiet', 'print nothing but errors')
    .action(load((m) => m.pull));
  image
    ?.command('push')
    .description('push an image to a registry')
    .argument('<name>', 'NAME[:TAG]')
    .option('-a, --all-tags', 'push every tag of the repository')
    .option('-q, --quiet', 'print nothing but errors')
    .action(load((m) => m.push));
  program
    .command('login')
    .description("log in to a registry (credentials stored in Docker's config.json)")
    .argument('[server]', 'registry host[:port] (Docker Hub when omitted)')
    .option('-u, --username <username>', 'user name')
    .option('-p, --password <password>', 'password (prefer --password-stdin)')
    .option('--password-stdin', 'read the password from standard input')
    .action(load((m) => m.login));
  program
    .command('logout')
    .description('remove the stored credentials of a registry')
    .argument('[server]', 'registry host[:port] (Docker Hub when omitted)')
    .action(load((m) => m.logout));
}

function registerContainerCommands(program: Command): void {
  const container = program.command('container').description("manage the engine's containers");
  const load = (pick: (m: typeof import('./container.js')) => Action) =>
    lazy(() => import('./container.js').then((m) => ({ run: pick(m) })));
  container
    .command('ls')
    .alias('ps')
    .description('list containers')
    .option('-a, --all', 'show all containers (default shows just running)')
    .option('-q, --quiet', 'only display container IDs')
    .option('--no-trunc', 'do not truncate output')
    .option('-f, --filter <filter>', 'filter output (label=, name=, status=, id=, ...)', collectFlag)
    .addOption(formatOption())
    .action(load((m) => m.ls));
  container
    .command('inspect')
    .description('show detailed information on containers (JSON)')
    .argument('<containers...>')
    .action(load((m) => m.inspect));
  container
    .command('logs')
    .description("print a container's logs")
    .argument('<container>')
    .option('-f, --follow', 'follow log output')
    .option('-t, --timestamps', 'show timestamps')
    .option('-n, --tail <lines>', 'number of lines from the end ("all" for everything)')
    .option('--since <time>', 'logs since a timestamp or a relative time (42m)')
    .option('--until <time>', 'logs before a timestamp or a relative time')
    .action(load((m) => m.logs));
  container
    .command('exec')
    .description('run a command in a running container')
    .argument('<container>')
    .argument('<command...>')
    .option('-d, --detach', 'run the command in the background')
    .option('-i, --interactive', 'keep stdin open (default when stdin is a terminal)')
    .option('-t, --tty', 'allocate a pseudo-TTY (default when stdin is a terminal)')
    .option('-T, --no-tty', 'do not allocate a pseudo-TTY')
    .option('-e, --env <KEY=VALUE>', 'set environment variables', collectFlag)
    .option('-u, --user <user>', 'user name or UID (format: <name|uid>[:<group|gid>])')
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .option('--privileged', 'give extended privileges to the command')
    .passThroughOptions()
    .action(load((m) => m.exec));
  container
    .command('rm')
    .alias('remove')
    .description('remove containers')
    .argument('<containers...>')
    .option('-f, --force', 'force the removal of a running container (uses SIGKILL)')
    .option('-v, --volumes', 'remove anonymous volumes associated with the container')
    .action(load((m) => m.rm));
  container
    .command('stop')
    .description('stop running containers')
    .argument('<containers...>')
    .option('-t, --time <seconds>', 'seconds to wait before killing the container')
    .option('-s, --signal <signal>', 'signal to send to the container')
    .action(load((m) => m.stop));
  container
    .command('start')
    .description('start stopped containers')
    .argument('<containers...>')
    .action(load((m) => m.start));
  container
    .command('kill')
    .description('kill running containers')
    .argument('<containers...>')
    .option('-s, --signal <signal>', 'signal to send to the container')
    .action(load((m) => m.kill));
  container
    .command('cp')
    .description(
      'copy files between a container and the local filesystem (CONTAINER:PATH on one side; - for a tar on stdin/stdout)',
    )
    .argument('<source>')
    .argument('<destination>')
    .action(load((m) => m.cp));
  container
    .command('top')
    .description('display the running processes of a container')
    .argument('<container>')
    .argument('[psOptions...]', 'ps options')
    .addOption(formatOption())
    .passThroughOptions()
    .action(load((m) => m.top));
  container
    .command('stats')
    .description("display a snapshot of containers' resource usage (running containers by default)")
    .argument('[containers...]')
    .option('--no-stream', 'print one snapshot and exit (always the case for now)')
    .addOption(formatOption())
    .action(load((m) => m.stats));
}
