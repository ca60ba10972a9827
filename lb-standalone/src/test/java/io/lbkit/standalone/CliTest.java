package io.lbkit.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lbkit.option.Option;
import io.lbkit.option.OptionException;
import io.lbkit.servlet.LoadBalancerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
  private static final List<Option<?, ?>> TABLE = LoadBalancerConfig.optionTable();
  private static final Set<String> KEYS = LoadBalancerConfig.knownKeys();

  @Test
  void everyInitParamIsAFlagAndHasHelp() {
    String usage = Cli.usage(TABLE);
    for (String key : KEYS) {
      assertThat(usage).as("--help lists --%s", key).contains("--" + key);
    }
    // flags, their help and the filter's parser come from one table: no drift either way
    for (Option<?, ?> o : TABLE) {
      assertThat(usage).contains(o.help().substring(0, Math.min(40, o.help().length())));
    }
    assertThat(usage).contains("Health checks:", "DNS resolver (when --backend is a name):", "Stats page:");
  }

  @Test
  void ownFlagsNeverShadowAnInitParam() {
    assertThat(KEYS).doesNotContainAnyElementsOf(Cli.OWN_FLAGS);
  }

  @Test
  void everyInitParamRoundTripsFromFlagToParserName() throws Exception {
    // generated settings, rendered as flags, arrive as the same init-params (names and values)
    List<String> args = new ArrayList<>();
    Map<String, String> expected = new LinkedHashMap<>();
    int i = 0;
    for (String key : KEYS) {
      String value = "v" + i++;
      args.add(i % 2 == 0 ? "--" + key + "=" + value : "--" + key);
      if (i % 2 != 0) {
        args.add(value);
      }
      expected.put(key, value);
    }
    Cli.Settings s = Cli.parse(args.toArray(new String[0]), TABLE);
    assertThat(s.params()).containsExactlyEntriesOf(expected);
  }

  @Test
  void flagsBecomeInitParamsInTheOrderGiven() throws Exception {
    Cli.Settings s = Cli.parse(new String[] {"--slots", "5", "--backend=tasks.whoami:80", "--cookie", "SRVID",
        "--cookie-key", "k1,k2", "--listen", "0.0.0.0:8080", "--shutdown-grace", "3s"}, TABLE);
    assertThat(s.params()).containsExactly(Map.entry("slots", "5"), Map.entry("backend", "tasks.whoami:80"),
        Map.entry("cookie", "SRVID"), Map.entry("cookie-key", "k1,k2"));
    assertThat(s.listenHost()).isEqualTo("0.0.0.0");
    assertThat(s.listenPort()).isEqualTo(8080);
    assertThat(s.shutdownGrace()).isEqualTo(Duration.ofSeconds(3));
    assertThat(s.demo()).isFalse();
  }

  @Test
  void defaults() throws Exception {
    Cli.Settings s = Cli.parse(new String[] {"--backend", "127.0.0.2:80"}, TABLE);
    assertThat(s.listenHost() + ":" + s.listenPort()).isEqualTo(Cli.DEFAULT_LISTEN);
    assertThat(s.shutdownGrace()).isEqualTo(Duration.ofSeconds(10));
    assertThat(s.logLevel()).isNull();
    Cli.Settings demo = Cli.parse(new String[] {"--demo"}, TABLE);
    assertThat(demo.demo()).isTrue();
    assertThat(demo.replicas()).isEqualTo(3);
    assertThat(demo.demoPort()).isEqualTo(18080);
  }

  @Test
  void onOffFlagsMayGoWithoutValue() throws Exception {
    Cli.Settings s = Cli.parse(new String[] {"--check", "--redispatch=off", "--backend", "x:1"}, TABLE);
    assertThat(s.params()).containsEntry("check", "tcp").containsEntry("redispatch", "off");
  }

  @Test
  void argumentFilesAreExpanded(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("lb.args");
    Files.writeString(file, "# the article's backend\n--backend tasks.whoami:80\n--slots 5\n"
        + "--cookie SRVID --cookie-key \"njqWdVKWfG\"\n");
    Cli.Settings s = Cli.parse(new String[] {"@" + file, "--listen", "127.0.0.1:0"}, TABLE);
    assertThat(s.params()).containsExactly(Map.entry("backend", "tasks.whoami:80"), Map.entry("slots", "5"),
        Map.entry("cookie", "SRVID"), Map.entry("cookie-key", "njqWdVKWfG"));
    assertThat(s.listenPort()).isZero();
  }

  @Test
  void logLevelIsReadBeforeAnythingElse(@TempDir Path dir) throws Exception {
    assertThat(Cli.logLevel(new String[] {"--backend", "x:1", "--log-level", "DEBUG", "--bogus"})).isEqualTo("debug");
    assertThat(Cli.logLevel(new String[] {"--backend", "x:1"})).isNull();
    Path file = dir.resolve("a");
    Files.writeString(file, "--log-level=warn\n");
    assertThat(Cli.logLevel(new String[] {"@" + file})).isEqualTo("warn");
    assertThatThrownBy(() -> Cli.logLevel(new String[] {"--log-level", "loud"}))
        .hasMessage("--log-level: 'loud' (expected: one of error, warn, info, debug, trace, off)");
  }

  @Test
  void badFlagsGetOneLineNamingTheFlagAndWhatIsAccepted() {
    assertUsage("--bakend: unknown option (expected: did you mean --backend", "--bakend", "x");
    assertUsage("--nope: unknown option (expected: one of the options listed by --help)", "--nope=1");
    assertUsage("--backend: missing value (expected: servers)", "--backend");
    assertUsage("--slots: given more than once", "--slots", "1", "--slots", "2");
    assertUsage("'stray': unexpected argument", "stray");
    assertUsage("--listen: 'nope' (expected: host:port", "--listen", "nope");
    assertUsage("--listen: '1.2.3.4:70000' (expected: a port 0..65535)", "--listen", "1.2.3.4:70000");
    assertUsage("--shutdown-grace: '5x' (expected: a duration", "--shutdown-grace", "5x");
    assertUsage("--replicas: only with --demo", "--replicas", "3");
    assertUsage("--demo-port: only with --demo", "--demo-port", "3");
    assertUsage("--replicas: 21 (expected: 0..20)", "--demo", "--replicas", "21");
    assertUsage("--replicas: 'x' (expected: an integer 0..20)", "--demo", "--replicas", "x");
    assertUsage("--demo-port: 0 (expected: 1..65535)", "--demo", "--demo-port", "0");
    assertUsage("@/no/such/file: cannot read argument file", "@/no/such/file");
  }

  @Test
  void parserErrorsBecomeFlagMessagesFromTheOptionNamed() {
    assertThat(Cli.flagMessage(new OptionException("slots", "abc", "an integer 1..100000"), TABLE))
        .isEqualTo("--slots: 'abc' (expected: an integer 1..100000)");
    assertThat(Cli.flagMessage(catchOption(() -> LoadBalancerConfig.parse(Map.of("backend", "127.0.0.2:1",
        "timeout-server", "999999d"))), TABLE)).isEqualTo("--timeout-server: 999999d (expected: at most 365d)");
    // a name that is no flag is not dressed up as one
    assertThat(Cli.flagMessage(new OptionException("hostname", "a..b", "a DNS name"), TABLE))
        .isEqualTo("invalid configuration: hostname: 'a..b' (expected: a DNS name)");
    assertThat(Cli.flagMessage(new IllegalStateException("something odd: x"), TABLE))
        .isEqualTo("invalid configuration: something odd: x");
  }

  private static RuntimeException catchOption(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      return e;
    }
    throw new AssertionError("no exception");
  }

  @Test
  void listenAcceptsIpv6AndAllInterfaces() throws Exception {
    assertThat(Cli.hostPort("--listen", "[::1]:8080")).containsExactly("::1", "8080");
    assertThat(Cli.hostPort("--listen", ":8080")).containsExactly("0.0.0.0", "8080");
    assertThat(Cli.hostPort("--listen", "localhost:0")).containsExactly("localhost", "0");
    assertThatThrownBy(() -> Cli.hostPort("--listen", "::1:8080")).isInstanceOf(Cli.UsageException.class);
  }

  @Test
  void helpAndVersion() throws Exception {
    assertThat(Cli.parse(new String[] {"--help"}, TABLE).help()).isTrue();
    assertThat(Cli.parse(new String[] {"-V"}, TABLE).version()).isTrue();
    assertThat(Cli.version()).matches("lb-standalone \\d+\\.\\d+\\.\\d+.*");
  }

  private static void assertUsage(String messageStart, String... args) {
    assertThatThrownBy(() -> Cli.parse(args, TABLE)).isInstanceOf(Cli.UsageException.class)
        .satisfies(e -> assertThat(e.getMessage()).startsWith(messageStart).doesNotContain("\n"));
  }
}
