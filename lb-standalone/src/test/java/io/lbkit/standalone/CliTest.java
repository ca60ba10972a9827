package io.lbkit.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
  private static final Set<String> KEYS = LoadBalancerConfig.knownKeys();

  @Test
  void everyInitParamIsAFlagAndHasHelp() {
    String usage = Cli.usage(KEYS);
    for (String key : KEYS) {
      assertThat(usage).as("--help lists --%s", key).contains("--" + key);
    }
    // the help table describes exactly the names the filter's parser knows: no drift either way
    assertThat(FilterFlags.table().keySet()).containsExactlyInAnyOrderElementsOf(KEYS);
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
    Cli.Settings s = Cli.parse(args.toArray(new String[0]), KEYS);
    assertThat(s.params()).containsExactlyEntriesOf(expected);
  }

  @Test
  void flagsBecomeInitParamsInTheOrderGiven() throws Exception {
    Cli.Settings s = Cli.parse(new String[] {"--slots", "5", "--backend=tasks.whoami:80", "--cookie", "SRVID",
        "--cookie-key", "k1,k2", "--listen", "0.0.0.0:8080", "--shutdown-grace", "3s"}, KEYS);
    assertThat(s.params()).containsExactly(Map.entry("slots", "5"), Map.entry("backend", "tasks.whoami:80"),
        Map.entry("cookie", "SRVID"), Map.entry("cookie-key", "k1,k2"));
    assertThat(s.listenHost()).isEqualTo("0.0.0.0");
    assertThat(s.listenPort()).isEqualTo(8080);
    assertThat(s.shutdownGrace()).isEqualTo(Duration.ofSeconds(3));
    assertThat(s.demo()).isFalse();
  }

  @Test
  void defaults() throws Exception {
    Cli.Settings s = Cli.parse(new String[] {"--backend", "127.0.0.2:80"}, KEYS);
    assertThat(s.listenHost() + ":" + s.listenPort()).isEqualTo(Cli.DEFAULT_LISTEN);
    assertThat(s.shutdownGrace()).isEqualTo(Duration.ofSeconds(10));
    assertThat(s.logLevel()).isNull();
    Cli.Settings demo = Cli.parse(new String[] {"--demo"}, KEYS);
    assertThat(demo.demo()).isTrue();
    assertThat(demo.replicas()).isEqualTo(3);
    assertThat(demo.demoPort()).isEqualTo(18080);
  }

  @Test
  void onOffFlagsMayGoWithoutValue() throws Exception {
    Cli.Settings s = Cli.parse(new String[] {"--check", "--redispatch=off", "--backend", "x:1"}, KEYS);
    assertThat(s.params()).containsEntry("check", "tcp").containsEntry("redispatch", "off");
  }

  @Test
  void argumentFilesAreExpanded(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("lb.args");
    Files.writeString(file, "# the article's backend\n--backend tasks.whoami:80\n--slots 5\n"
        + "--cookie SRVID --cookie-key \"njqWdVKWfG\"\n");
    Cli.Settings s = Cli.parse(new String[] {"@" + file, "--listen", "127.0.0.1:0"}, KEYS);
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
    assertUsage("--replicas: '21' (expected: an integer 0..20)", "--demo", "--replicas", "21");
    assertUsage("--demo-port: '0' (expected: an integer 1..65535)", "--demo", "--demo-port", "0");
    assertUsage("@/no/such/file: cannot read argument file", "@/no/such/file");
  }

  @Test
  void parserMessagesBecomeFlagMessages() {
    assertThat(Cli.asFlagMessage("slots: 'abc' (expected: an integer)", KEYS))
        .isEqualTo("--slots: 'abc' (expected: an integer)");
    assertThat(Cli.asFlagMessage("something odd: x", KEYS)).isEqualTo("invalid configuration: something odd: x");
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
    assertThat(Cli.parse(new String[] {"--help"}, KEYS).help()).isTrue();
    assertThat(Cli.parse(new String[] {"-V"}, KEYS).version()).isTrue();
    assertThat(Cli.version()).matches("lb-standalone \\d+\\.\\d+\\.\\d+.*");
  }

  private static void assertUsage(String messageStart, String... args) {
    assertThatThrownBy(() -> Cli.parse(args, KEYS)).isInstanceOf(Cli.UsageException.class)
        .satisfies(e -> assertThat(e.getMessage()).startsWith(messageStart).doesNotContain("\n"));
  }
}
