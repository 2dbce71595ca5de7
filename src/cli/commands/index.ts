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

  registerComposeCommands(program);
  registerImageCommands(program);
  registerContainerCommands(program);
  registerNetworkCommands(program);
  registerVolumeCommands(program);
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

/**
 * A repeatable `--no-NAME <value>` flag kept apart from `--NAME <value>` (commander would otherwise take it as
 * the negation of that flag): not negating, its values land in `noName`.
 */
class ListNegationOption extends Option {
  constructor(flags: string, description: string) {
    super(flags, description);
    this.negate = false;
    this.argParser(collectFlag);
  }
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
    .command('build')
    .description('build an image from a Dockerfile')
    .argument('[path]', 'the build context directory', '.')
    .option('-t, --tag <name>', 'name the image (repeatable)', collectFlag)
    .option('-f, --file <path>', 'the Dockerfile (default: PATH/Dockerfile)')
    .option('--build-arg <arg>', 'set a build argument (KEY=VALUE, or KEY from the environment)', collectFlag)
    .option('--target <stage>', 'build up to this stage')
    .option('--label <label>', 'add a label to the image (KEY=VALUE)', collectFlag)
    .option('--no-cache', 'run every step, reusing nothing')
    .option('--pull', 'always pull newer base images')
    .option('-q, --quiet', 'print only the image ID')
    .option('--network <mode>', 'network of RUN steps: default, none or host')
    .option('--add-host <host:ip>', 'add a line to /etc/hosts of RUN steps', collectFlag)
    .option(
      '--secret <spec>',
      'expose a secret to RUN --mount=type=secret (id=x,src=path or id=x,env=VAR)',
      collectFlag,
    )
    .option(
      '--build-context <name=path>',
      'a named context for COPY --from and RUN --mount from=',
      collectFlag,
    )
    .option('--iidfile <path>', 'write the image ID to this file')
    .action(lazy(() => import('./image-build.js')));
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
    .command('bootstrap')
    .description(
      "make a Debian or Ubuntu base image from the distribution's package repositories (mmdebstrap)",
    )
    .argument('<image>', 'debian:SUITE[-slim] or ubuntu:SUITE (bookworm, trixie, 12, noble, 24.04, ...)')
    .option('--variant <variant>', "mmdebstrap's variant (default minbase, as the official images)")
    .option('--mirror <url>', 'the package repository (default deb.debian.org or archive.ubuntu.com)')
    .option('--include <packages>', 'extra packages, comma-separated (repeatable)', collectFlag)
    .option(
      '-t, --tag <name>',
      'name of the image (default the official one, e.g. docker.io/library/debian:bookworm)',
    )
    .option('-q, --quiet', 'print only the result')
    .action(load((m) => m.bootstrap));
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
    .description("display a live table of containers' resource usage (running containers by default)")
    .argument('[containers...]')
    .option('--no-stream', 'print one snapshot and exit')
    .addOption(formatOption())
    .action(load((m) => m.stats));
}

function registerVolumeCommands(program: Command): void {
  const volume = program.command('volume').description("manage the engine's volumes");
  const load = (pick: (m: typeof import('./volume.js')) => Action) =>
    lazy(() => import('./volume.js').then((m) => ({ run: pick(m) })));
  volume
    .command('ls')
    .alias('list')
    .description('list volumes')
    .option('-q, --quiet', 'only display volume names')
    .option('-f, --filter <filter>', 'filter output (dangling=, driver=, label=, name=)', collectFlag)
    .addOption(formatOption())
    .action(load((m) => m.ls));
  volume
    .command('create')
    .description('create a volume (an anonymous one with a generated name when NAME is left out)')
    .argument('[name]')
    .option('--name <name>', 'the volume name (as the argument)')
    .option('-d, --driver <driver>', 'volume driver name', 'local')
    .option('-o, --opt <KEY=VALUE>', 'driver options (type=, device=, o=)', collectFlag)
    .option('--label <KEY=VALUE>', 'set metadata on the volume', collectFlag)
    .action(load((m) => m.create));
  volume
    .command('inspect')
    .description('show detailed information on volumes (JSON)')
    .argument('<volumes...>')
    .action(load((m) => m.inspect));
  volume
    .command('rm')
    .alias('remove')
    .description('remove volumes (one in use by a container cannot be removed)')
    .argument('<volumes...>')
    .option('-f, --force', 'do not fail when a volume does not exist')
    .action(load((m) => m.rm));
  volume
    .command('prune')
    .description('remove unused anonymous volumes (all unused volumes with -a)')
    .option('-a, --all', 'remove all unused volumes, not just anonymous ones')
    .option('-f, --force', 'do not ask for confirmation')
    .option('--filter <filter>', 'filters (label=, label!=)', collectFlag)
    .action(load((m) => m.prune));
}

function registerNetworkCommands(program: Command): void {
  const network = program.command('network').description("manage the engine's networks");
  const load = (pick: (m: typeof import('./network.js')) => Action) =>
    lazy(() => import('./network.js').then((m) => ({ run: pick(m) })));
  network
    .command('ls')
    .alias('list')
    .description('list networks')
    .option('-q, --quiet', 'only display network IDs')
    .option('--no-trunc', 'do not truncate the output')
    .option(
      '-f, --filter <filter>',
      'filter output (driver=, id=, label=, name=, type=custom|builtin, dangling=)',
      collectFlag,
    )
    .addOption(formatOption())
    .action(load((m) => m.ls));
  network
    .command('create')
    .description('create a network')
    .argument('<name>')
    .option('-d, --driver <driver>', 'driver to manage the network', 'bridge')
    .option('--subnet <cidr>', 'subnet in CIDR format')
    .option('--gateway <ip>', 'IPv4 gateway of the subnet')
    .option('--ip-range <cidr>', 'allocate container addresses from a sub-range')
    .option('--internal', 'restrict external access to the network')
    .option('--attachable', 'enable manual container attachment')
    .option('--ipv6', 'enable IPv6 networking')
    .option('--label <label>', 'set metadata on a network', collectFlag)
    .option('-o, --opt <option>', 'set driver specific options', collectFlag)
    .action(load((m) => m.create));
  network
    .command('inspect')
    .description('show detailed information on networks (JSON)')
    .argument('<networks...>')
    .action(load((m) => m.inspect));
  network
    .command('rm')
    .alias('remove')
    .description('remove networks')
    .argument('<networks...>')
    .action(load((m) => m.rm));
  network
    .command('connect')
    .description('connect a container to a network')
    .argument('<network>')
    .argument('<container>')
    .option('--alias <alias>', 'add a network-scoped alias for the container', collectFlag)
    .option('--ip <address>', 'IPv4 address')
    .action(load((m) => m.connect));
  network
    .command('disconnect')
    .description('disconnect a container from a network')
    .argument('<network>')
    .argument('<container>')
    .option('-f, --force', 'force the container to disconnect from a network')
    .action(load((m) => m.disconnect));
  network
    .command('prune')
    .description('remove all unused networks')
    .option('-f, --force', 'do not prompt for confirmation')
    .option('--filter <filter>', 'provide filter values (until=, label=)', collectFlag)
    .action(load((m) => m.prune));
}

function registerComposeCommands(program: Command): void {
  const lifecycle = (name: 'start' | 'stop' | 'restart' | 'kill' | 'pause' | 'unpause' | 'rm') =>
    lazy(() => import('./lifecycle.js').then((m) => ({ run: m[name] })));
  program
    .command('exec')
    .description('run a command in a running container of a service')
    .argument('<service>')
    .argument('<command...>')
    .option('-d, --detach', 'run the command in the background')
    .option('-T, --no-tty', 'do not allocate a pseudo-TTY (one is allocated when stdin is a terminal)')
    .option('-u, --user <user>', 'run as this user')
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .option('-e, --env <KEY=VALUE>', 'set environment variables', collectFlag)
    .option('--index <number>', 'which container of the service (default 1)')
    .option('--privileged', 'give extended privileges to the command')
    .passThroughOptions()
    .action(lazy(() => import('./compose-exec.js')));
  program
    .command('run')
    .description('run a one-off command in a new container of a service')
    .argument('<service>')
    .argument('[command...]')
    .option('-d, --detach', 'run in the background and print the container name')
    .option('--rm', 'remove the container when it exits')
    .option('-e, --env <KEY=VALUE>', 'set environment variables', collectFlag)
    .option('-u, --user <user>', 'run as this user')
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .option('-p, --publish <port>', 'publish a port ([ip:][host:]container[/proto])', collectFlag)
    .option('-P, --service-ports', "publish the service's ports")
    .option('--no-deps', 'do not start the services it depends on')
    .option('--entrypoint <command>', "override the image's entrypoint")
    .option('-v, --volume <spec>', 'bind or mount a volume (source:target[:ro])', collectFlag)
    .option('--name <name>', 'name of the container')
    .option('-T, --no-tty', 'do not allocate a pseudo-TTY')
    .option('-i, --interactive', 'keep stdin open (default when stdin is a terminal)')
    .passThroughOptions()
    .action(lazy(() => import('./compose-run.js')));
  const info = (name: 'ls' | 'port' | 'top' | 'stats') =>
    lazy(() => import('./compose-info.js').then((m) => ({ run: m[name] })));
  program
    .command('ls')
    .description('list the compose projects the engine has (running ones unless -a)')
    .option('-a, --all', 'also projects whose containers are all stopped')
    .option('-q, --quiet', 'only names')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(info('ls'));
  program
    .command('port')
    .description('print the host address of a published port of a service')
    .argument('<service>')
    .argument('<private_port>')
    .option('--protocol <protocol>', 'tcp or udp', 'tcp')
    .option('--index <number>', 'which container of the service (default 1)')
    .action(info('port'));
  program
    .command('top')
    .description("show the processes of the project's running containers")
    .argument('[services...]')
    .action(info('top'));
  program
    .command('stats')
    .description("a live table of the resource usage of the project's running containers")
    .argument('[services...]')
    .option('--no-stream', 'print one snapshot and exit')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(info('stats'));
  program
    .command('start')
    .description("start the project's existing containers")
    .argument('[services...]')
    .action(lifecycle('start'));
  program
    .command('stop')
    .description("stop the project's running containers")
    .argument('[services...]')
    .option('-t, --timeout <seconds>', 'grace period before they are killed')
    .action(lifecycle('stop'));
  program
    .command('restart')
    .description("restart the project's containers")
    .argument('[services...]')
    .option('-t, --timeout <seconds>', 'grace period before they are killed')
    .action(lifecycle('restart'));
  program
    .command('kill')
    .description("send a signal to the project's running containers")
    .argument('[services...]')
    .option('-s, --signal <signal>', 'the signal to send', 'SIGKILL')
    .action(lifecycle('kill'));
  program
    .command('pause')
    .description("pause the project's running containers")
    .argument('[services...]')
    .action(lifecycle('pause'));
  program
    .command('unpause')
    .description("unpause the project's paused containers")
    .argument('[services...]')
    .action(lifecycle('unpause'));
  program
    .command('rm')
    .description("remove the project's stopped containers")
    .argument('[services...]')
    .option('-f, --force', 'do not ask for confirmation')
    .option('-s, --stop', 'stop the containers first')
    .option('-v, --volumes', 'remove their anonymous volumes too')
    .action(lifecycle('rm'));
  program
    .command('up')
    .description('create and start the containers of the project (and follow their output unless -d)')
    .argument('[services...]', 'only these services (and what they depend on)')
    .option('-d, --detach', 'run in the background')
    .option('--wait', 'wait until the services run (healthy when they have a healthcheck); implies -d')
    .option('--wait-timeout <seconds>', 'give up waiting after this long')
    .option('--force-recreate', 'recreate containers even if their configuration and image have not changed')
    .option('--no-recreate', 'keep existing containers even when their configuration changed')
    .option('--no-start', 'create the containers without starting them')
    .option('--no-deps', "do not create or start the named services' dependencies")
    .option('--remove-orphans', 'remove containers of services no longer in the compose file')
    .option('--scale <service=number...>', 'run this many containers of a service')
    .addOption(new Option('--pull <policy>', 'when to pull images').choices(['always', 'missing', 'never']))
    .option('--quiet-pull', 'do not report image pulls')
    .option('--build', 'build images before starting containers')
    .option('--no-build', 'do not build images, even when they are missing')
    .option('-t, --timeout <seconds>', 'grace period when stopping replaced containers')
    .option('--abort-on-container-exit', 'stop every container when one stops')
    .option('--abort-on-container-failure', 'stop every container when one exits with a non-zero code')
    .option(
      '--exit-code-from <service>',
      "stop every container when that service's ends, and exit with its exit code",
    )
    .option('--attach <service>', 'follow only the output of these services (repeatable)', collectFlag)
    .addOption(
      new ListNegationOption(
        '--no-attach <service>',
        'do not follow the output of this service (repeatable)',
      ),
    )
    .option('--attach-dependencies', 'follow the output of the dependencies of the services named too')
    .option('--no-color', 'monochrome output')
    .option('--no-log-prefix', 'do not prefix output lines with the container name')
    .option(
      '-w, --watch',
      "watch the services' develop.watch paths (with -d: in the background, see berth watch)",
    )
    .action(lazy(() => import('./up.js')));
  program
    .command('watch')
    .description('keep running services in step with their develop.watch paths; reload on compose file edits')
    .argument('[services...]', 'only these services')
    .option('--no-up', 'do not bring the project up first')
    .option('--prune', 'remove the images a rebuild replaced when nothing uses them (default)')
    .option('--no-prune', 'keep the images a rebuild replaced')
    .option('--quiet', 'print only warnings and errors')
    .option('--poll', 'poll the files instead of using native events (for filesystems without them)')
    .option('-d, --detach', 'watch in the background (pid file and log under the engine run directory)')
    .option('--status', 'tell whether a background watcher runs for the project')
    .option('--stop', "stop the project's background watcher")
    .addHelpText(
      'after',
      [
        '',
        'Rule actions: sync, rebuild, restart, sync+restart, sync+exec; initial_sync compares content.',
        "Ignored: the rule's ignore, the build context's .dockerignore, .gitignore files, .git/, editor temp files.",
        'Background: `berth watch -d` (or `berth up -d --watch`) starts it; `berth watch --status` shows it;',
        '`berth watch --stop` ends it. Its log is <run dir>/watch/<project>.log (BERTH_RUN, default /run/berth).',
      ].join('\n'),
    )
    .action(lazy(() => import('./watch.js')));
  program
    .command('down')
    .description("stop and remove the project's containers and networks")
    .option(
      '-v, --volumes',
      'remove named volumes declared in the project and anonymous volumes of its containers',
    )
    .option('--remove-orphans', 'remove containers of services no longer in the compose file')
    .option('-t, --timeout <seconds>', 'grace period before containers are killed')
    .option('--rmi <which>', 'remove images: local (those without a custom tag) or all')
    .action(lazy(() => import('./down.js')));
  program
    .command('ps')
    .description("list the project's containers")
    .argument('[services...]')
    .option('-a, --all', 'show stopped containers too')
    .option('-q, --quiet', 'only IDs')
    .option('--services', 'only service names')
    .option('--status <status...>', 'only containers in this state')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(lazy(() => import('./ps.js')));
  program
    .command('logs')
    .description("show the output of the project's containers")
    .argument('[services...]')
    .option('-f, --follow', 'follow the output')
    .option('-n, --tail <lines>', "number of lines from the end of each container's output", 'all')
    .option(
      '--since <time>',
      'only output since this time (RFC 3339, unix seconds or a duration such as 10m)',
    )
    .option('--until <time>', 'only output before this time')
    .option('-t, --timestamps', 'show timestamps')
    .option('--no-color', 'monochrome output')
    .option('--no-log-prefix', 'do not prefix output lines with the container name')
    .action(lazy(() => import('./logs.js')));
  const verbs = (name: 'create' | 'images' | 'wait' | 'cp' | 'events' | 'pull' | 'push') =>
    lazy(() => import('./compose-verbs.js').then((m) => ({ run: m[name] })));
  program
    .command('create')
    .description("create the project's containers without starting them")
    .argument('[services...]', 'only these services (and what they depend on)')
    .option('--force-recreate', 'recreate containers even if their configuration and image have not changed')
    .option('--no-recreate', 'keep existing containers even when their configuration changed')
    .addOption(new Option('--pull <policy>', 'when to pull images').choices(['always', 'missing', 'never']))
    .option('--remove-orphans', 'remove containers of services no longer in the compose file')
    .option('--scale <service=number...>', 'create this many containers of a service')
    .action(verbs('create'));
  program
    .command('images')
    .description("list the images the project's containers use")
    .argument('[services...]')
    .option('-q, --quiet', 'only image IDs')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(verbs('images'));
  program
    .command('wait')
    .description("wait for the services' containers to stop and print their exit codes")
    .argument('<services...>')
    .option('--down-project', 'take the project down as soon as the first container stops')
    .action(verbs('wait'));
  program
    .command('cp')
    .description('copy files between a service container and the local filesystem (SERVICE:PATH on one side)')
    .argument('<source>')
    .argument('<destination>')
    .option('--index <number>', 'which container of the service (default 1)')
    .action(verbs('cp'));
  program
    .command('events')
    .description("follow the events of the project's containers (Ctrl-C ends)")
    .argument('[services...]')
    .option('--json', 'one JSON object per line')
    .action(verbs('events'));
  program
    .command('build')
    .description('build the images of services that have a build section')
    .argument('[services...]')
    .option('--no-cache', 'run every step, reusing nothing')
    .option('--pull', 'always pull newer base images')
    .option('--build-arg <arg>', 'set a build argument (KEY=VALUE, or KEY from the environment)', collectFlag)
    .option('-q, --quiet', 'print nothing but errors')
    .option('--ssh <spec>', 'not supported: berth does not forward SSH agents')
    .action(lazy(() => import('./build.js')));
  program
    .command('pull')
    .description('pull the images of the services that name one')
    .argument('[services...]')
    .option('--ignore-pull-failures', 'pull what can be pulled and warn about the rest')
    .option('--ignore-buildable', 'skip services that can be built')
    .option('-q, --quiet', 'print nothing but errors')
    .action(verbs('pull'));
  program
    .command('push')
    .description('push the images of the services that build one and name it (build: and image:)')
    .argument('[services...]')
    .option('--ignore-push-failures', 'push what can be pushed and warn about the rest')
    .option('--include-deps', 'also push the images of the services they depend on')
    .option('-q, --quiet', 'print nothing but errors')
    .action(verbs('push'));
}
