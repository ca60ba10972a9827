package io.lbkit.standalone;

import io.lbkit.internal.Durations;
import io.lbkit.internal.HostPort;
import io.lbkit.internal.Values;
import io.lbkit.option.Option;
import io.lbkit.option.OptionException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The command line: the filter's init-params as {@code --name value} flags (generated from the
 * option table, {@link io.lbkit.servlet.LoadBalancerConfig#optionTable()}: name, value label, help, section and bare
 * value), plus the standalone's own flags. Parsing never logs (logging is
 * configured from its result) and never prints: problems come back as a {@link UsageException}
 * with one line naming the flag and what it accepts.
 */
final class Cli {
  static final String PROGRAM = "lb-standalone";
  static final String DEFAULT_LISTEN = "127.0.0.1:10087";
  static final String DEFAULT_GRACE = "10s";
  static final int DEFAULT_REPLICAS = 3;
  static final int MAX_REPLICAS = 20;
  static final int DEFAULT_DEMO_PORT = 18080;
  static final List<String> LOG_LEVELS = List.of("error", "warn", "info", "debug", "trace", "off");

  /** The standalone's own flags; none of them may ever collide with a filter init-param. */
  static final Set<String> OWN_FLAGS = Set.of("listen", "shutdown-grace", "log-level", "demo", "replicas",
      "demo-port", "engine", "help", "version");
  /** {@code --engine}: lb-netty's engine (default) or the Jetty servlet filter. */
  static final String ENGINE_SERVLET = "servlet";
  static final String ENGINE_NETTY = "netty";

  /** A bad command line: {@link #getMessage()} is the one line to print. */
  static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message, null, false, false);
    }
  }

  /** What the command line asks for. {@code params} are the filter's init-params, in the order given. */
  record Settings(boolean help, boolean version, String listenHost, int listenPort, Duration shutdownGrace,
      String logLevel, boolean demo, int replicas, int demoPort, Map<String, String> params, String engine) {}

  private Cli() {}

  /**
   * The {@code --log-level} value (or null when not given), read before anything else so logging
   * is configured before the first logger exists. Other arguments are left for {@link #parse}.
   */
  static String logLevel(String[] args) throws UsageException {
    checkArgumentFiles(args);
    CommandSpec spec = CommandSpec.create();
    spec.addOption(OptionSpec.builder("--log-level").type(String.class).build());
    spec.parser().unmatchedArgumentsAllowed(true).unmatchedOptionsArePositionalParams(true)
        .overwrittenOptionsAllowed(true);
    spec.addPositional(CommandLine.Model.PositionalParamSpec.builder().arity("0..*").type(String[].class).build());
    ParseResult result;
    try {
      result = new CommandLine(spec).parseArgs(args);
    } catch (CommandLine.ParameterException e) {
      return null; // parse() reports it
    }
    String level = result.matchedOptionValue("--log-level", null);
    return level == null ? null : checkLogLevel(level);
  }

  /** Parses the whole command line; {@code table} holds the filter's init-params. */
  static Settings parse(String[] args, List<Option<?, ?>> table) throws UsageException {
    checkArgumentFiles(args);
    Set<String> filterKeys = names(table);
    CommandLine cmd = new CommandLine(spec(table));
    ParseResult r;
    try {
      r = cmd.parseArgs(args);
    } catch (CommandLine.ParameterException e) {
      throw new UsageException(oneLine(e));
    }
    if (cmd.isUsageHelpRequested() || cmd.isVersionHelpRequested()) {
      return new Settings(cmd.isUsageHelpRequested(), cmd.isVersionHelpRequested(), null, 0, null, null, false, 0,
          0, Map.of(), ENGINE_SERVLET);
    }

    String listen = r.matchedOptionValue("--listen", DEFAULT_LISTEN);
    String[] hostPort = hostPort("--listen", listen);
    Duration grace;
    try {
      grace = Durations.parse("--shutdown-grace", r.matchedOptionValue("--shutdown-grace", DEFAULT_GRACE),
          Duration.ZERO, Durations.MAX);
    } catch (OptionException e) {
      throw new UsageException(e.getMessage());
    }
    String level = r.matchedOptionValue("--log-level", null);
    if (level != null) {
      level = checkLogLevel(level);
    }
    boolean demo = r.hasMatchedOption("--demo");
    int replicas = DEFAULT_REPLICAS;
    int demoPort = DEFAULT_DEMO_PORT;
    for (String demoOnly : List.of("--replicas", "--demo-port")) {
      if (r.hasMatchedOption(demoOnly) && !demo) {
        throw new UsageException(demoOnly + ": only with --demo (expected: --demo " + demoOnly + " ...)");
      }
    }
    if (r.hasMatchedOption("--replicas")) {
      replicas = integer("--replicas", r.matchedOptionValue("--replicas", ""), 0, MAX_REPLICAS);
    }
    if (r.hasMatchedOption("--demo-port")) {
      demoPort = integer("--demo-port", r.matchedOptionValue("--demo-port", ""), 1, 65535);
    }

    String engine = r.matchedOptionValue("--engine", ENGINE_NETTY);
    if (!engine.equals(ENGINE_SERVLET) && !engine.equals(ENGINE_NETTY)) {
      throw new UsageException("--engine: '" + engine + "' (expected: " + ENGINE_NETTY + " or " + ENGINE_SERVLET + ")");
    }

    Map<String, String> params = new LinkedHashMap<>();
    for (OptionSpec o : r.matchedOptions()) {
      String key = o.longestName().substring(2);
      if (filterKeys.contains(key)) {
        params.put(key, r.matchedOptionValue(o.longestName(), ""));
      }
    }
    return new Settings(false, false, hostPort[0], Integer.parseInt(hostPort[1]), grace, level, demo, replicas,
        demoPort, Collections.unmodifiableMap(params), engine);
  }

  /** The {@code --help} text. */
  static String usage(List<Option<?, ?>> table) {
    return new CommandLine(spec(table)).getUsageMessage(CommandLine.Help.Ansi.OFF);
  }

  /**
   * The one line for a configuration error: the option as a flag when the filter's table has it
   * ({@code --slots: 'x' (expected: ...)}), else the message as it is.
   */
  static String flagMessage(RuntimeException e, List<Option<?, ?>> table) {
    if (e instanceof OptionException) {
      OptionException o = (OptionException) e;
      if (names(table).contains(o.option())) {
        return o.message("--" + o.option());
      }
    }
    return "invalid configuration: " + e.getMessage();
  }

  private static Set<String> names(List<Option<?, ?>> table) {
    Set<String> names = new LinkedHashSet<>();
    for (Option<?, ?> o : table) {
      names.add(o.name());
    }
    return names;
  }

  /** {@code lb-standalone 0.1.0}, from the version baked into the jar. */
  static String version() {
    Properties p = new Properties();
    try (InputStream in = Cli.class.getResourceAsStream("version.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // fall through to "unknown"
    }
    return PROGRAM + " " + p.getProperty("version", "unknown");
  }

  private static CommandSpec spec(List<Option<?, ?>> table) {
    Set<String> filterKeys = names(table);
    for (String own : OWN_FLAGS) {
      if (filterKeys.contains(own)) {
        // a filter init-param named like one of our flags would silently shadow it
        throw new IllegalStateException("filter init-param '" + own + "' collides with the standalone flag --" + own);
      }
    }
    CommandSpec spec = CommandSpec.create().name(PROGRAM).version(version()).mixinStandardHelpOptions(true);
    spec.parser().expandAtFiles(true).useSimplifiedAtFiles(false).abbreviatedOptionsAllowed(false);
    spec.usageMessage()
        .customSynopsis("java -jar lb-standalone.jar [--listen host:port] --backend servers [--flag value...] [@file]",
            "       java -jar lb-standalone.jar --demo [--replicas N] [--flag value...]")
        .description("A load balancer in front of HTTP servers (HAProxy-style): DNS-fed server list, round robin,"
            + " sticky cookie, health checks, stats page. Every flag in the sections below is also a filter"
            + " init-param of the servlet filter (io.lbkit.servlet.LoadBalancingFilter), named without the --.",
            "Arguments can be read from files: @file (one or more arguments per line, # comments).")
        .descriptionHeading("%n").optionListHeading("%nGeneral:%n").sortOptions(false).width(110);

    spec.addOption(own("--listen", "host:port",
        "Address to listen on (default: " + DEFAULT_LISTEN + "; port 0 picks a free one)."));
    spec.addOption(own("--shutdown-grace", "duration",
        "On SIGTERM/Ctrl-C, wait this long for requests in flight (default: " + DEFAULT_GRACE + ")."));
    spec.addOption(own("--engine", ENGINE_NETTY + "|" + ENGINE_SERVLET, "Proxy engine: netty (default; lb-netty,"
        + " HTTP/1.1, no --mode route) or servlet (Jetty 12 with the servlet filter)."));
    spec.addOption(own("--log-level", String.join("|", LOG_LEVELS), "Log level (default: info)."));
    spec.addOption(OptionSpec.builder("--demo").arity("0").type(boolean.class)
        .description("Replay the article on this machine: DNS server, whoami replicas, this balancer.").build());
    spec.addOption(own("--replicas", "N", "With --demo: whoami replicas at start, 0.." + MAX_REPLICAS
        + " (default: " + DEFAULT_REPLICAS + ")."));
    spec.addOption(own("--demo-port", "port", "With --demo: port of the replicas on 127.0.0.2, 127.0.0.3, ..."
        + " (default: " + DEFAULT_DEMO_PORT + ")."));

    Map<String, List<OptionSpec>> sections = new LinkedHashMap<>();
    for (Option<?, ?> option : table) {
      OptionSpec.Builder b = OptionSpec.builder("--" + option.name()).type(String.class)
          .paramLabel(option.valueLabel()).description(option.help());
      if (option.bareValue() != null) {
        b.arity("0..1").fallbackValue(option.bareValue());
      } else {
        b.arity("1");
      }
      OptionSpec o = b.build();
      spec.addOption(o);
      sections.computeIfAbsent(option.section().title(), k -> new ArrayList<>()).add(o);
    }

    spec.usageMessage().sectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST, help -> {
      StringBuilder sb = new StringBuilder();
      CommandLine.Help.Layout general = help.createDefaultLayout();
      for (OptionSpec o : help.commandSpec().options()) {
        if (!filterKeys.contains(o.longestName().substring(2))) {
          general.addOption(o, help.parameterLabelRenderer());
        }
      }
      sb.append(general);
      for (Map.Entry<String, List<OptionSpec>> s : sections.entrySet()) {
        if (s.getValue().isEmpty()) {
          continue;
        }
        CommandLine.Help.Layout layout = help.createDefaultLayout();
        for (OptionSpec o : s.getValue()) {
          layout.addOption(o, help.parameterLabelRenderer());
        }
        sb.append(String.format("%n%s:%n", s.getKey())).append(layout);
      }
      return sb.toString();
    });
    spec.usageMessage().footerHeading("%n").footer("Exit status: 0 after a clean (graceful) stop, 1 when it cannot start"
        + " (e.g. a port is taken), 2 for a bad flag or value. See docs/standalone.md.");
    return spec;
  }

  private static OptionSpec own(String name, String label, String text) {
    return OptionSpec.builder(name).type(String.class).arity("1").paramLabel(label).description(text).build();
  }

  private static String oneLine(CommandLine.ParameterException e) {
    if (e instanceof CommandLine.UnmatchedArgumentException) {
      CommandLine.UnmatchedArgumentException u = (CommandLine.UnmatchedArgumentException) e;
      String arg = u.getUnmatched().isEmpty() ? "?" : u.getUnmatched().get(0);
      if (arg.startsWith("-")) {
        String flag = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
        List<String> suggestions = u.getSuggestions();
        String hint = suggestions.isEmpty() ? "" : "did you mean " + String.join(" or ", suggestions) + "? ";
        return flag + ": unknown option (expected: " + hint + "one of the options listed by --help)";
      }
      return "'" + arg + "': unexpected argument (expected: options only, e.g. --backend 10.0.0.1:80; see --help)";
    }
    if (e instanceof CommandLine.MissingParameterException) {
      List<ArgSpec> missing = ((CommandLine.MissingParameterException) e).getMissing();
      if (!missing.isEmpty() && missing.get(0) instanceof OptionSpec) {
        OptionSpec o = (OptionSpec) missing.get(0);
        return o.longestName() + ": missing value (expected: " + o.paramLabel() + ")";
      }
    }
    if (e instanceof CommandLine.OverwrittenOptionException) {
      ArgSpec a = ((CommandLine.OverwrittenOptionException) e).getOverwritten();
      if (a instanceof OptionSpec) {
        return ((OptionSpec) a).longestName() + ": given more than once (expected: once; lists are comma-separated)";
      }
    }
    return e.getMessage();
  }

  /** picocli reads a missing {@code @file} as a plain argument; say what is wrong instead. */
  private static void checkArgumentFiles(String[] args) throws UsageException {
    for (String arg : args) {
      if (arg.startsWith("@") && arg.length() > 1 && !arg.startsWith("@@")) {
        Path p = Paths.get(arg.substring(1));
        if (!Files.isReadable(p)) {
          throw new UsageException(arg + ": cannot read argument file (expected: a readable file of arguments)");
        }
      }
    }
  }

  private static String checkLogLevel(String level) throws UsageException {
    String l = level.trim().toLowerCase(Locale.ROOT);
    if (!LOG_LEVELS.contains(l)) {
      throw new UsageException("--log-level: '" + level + "' (expected: one of " + String.join(", ", LOG_LEVELS)
          + ")");
    }
    return l;
  }

  private static int integer(String flag, String text, int min, int max) throws UsageException {
    try {
      return Values.integer(flag, text, min, max);
    } catch (OptionException e) {
      throw new UsageException(e.getMessage());
    }
  }

  /** {@code host:port}, {@code [v6]:port} or {@code :port} (all interfaces); port 0..65535. */
  static String[] hostPort(String flag, String text) throws UsageException {
    try {
      HostPort hp = HostPort.parse(flag, text, 0, -1, "host:port, e.g. 127.0.0.1:10087, 0.0.0.0:80 or [::1]:8080");
      return new String[] {hp.host().isEmpty() ? "0.0.0.0" : hp.host(), Integer.toString(hp.port())};
    } catch (OptionException e) {
      throw new UsageException(e.getMessage());
    }
  }
}
