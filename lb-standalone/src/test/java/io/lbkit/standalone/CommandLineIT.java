package io.lbkit.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The jar's command line as a user meets it: bad flags exit 2 with one line, no stack trace. */
class CommandLineIT {
  private static final Duration EXIT = Duration.ofSeconds(60);
  private static final Pattern LOG_LINE = Pattern.compile("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} (INFO|WARN) ");

  static Stream<Arguments> badFlags() {
    return Stream.of(
        Arguments.of(new String[] {"--slots", "abc", "--backend", "127.0.0.2:1"},
            "lb-standalone: --slots: 'abc' (expected: an integer"),
        Arguments.of(new String[] {"--bogus", "1"}, "lb-standalone: --bogus: unknown option (expected: "),
        Arguments.of(new String[] {"--cookie", "SRVID", "--cookie-key", "k", "--cookie-mode", "rot13", "--backend",
            "127.0.0.2:1"}, "lb-standalone: --cookie-mode: 'rot13' (expected: siphash, hmac, haproxy or prefix)"),
        Arguments.of(new String[] {"--listen", "nowhere", "--backend", "127.0.0.2:1"},
            "lb-standalone: --listen: 'nowhere' (expected: host:port"),
        Arguments.of(new String[] {"--check", "maybe", "--backend", "127.0.0.2:1"},
            "lb-standalone: --check: 'maybe' (expected: tcp, http"),
        Arguments.of(new String[] {"--hold-valid", "soon", "--backend", "tasks.whoami:80"},
            "lb-standalone: --hold-valid: 'soon' (expected: a duration"),
        // range-checked when parsed: refused with the flag's name, exit 2, never an overflow later
        Arguments.of(new String[] {"--timeout-server", "999999d", "--backend", "127.0.0.2:1"},
            "lb-standalone: --timeout-server: 999999d (expected: at most 365d)"),
        Arguments.of(new String[] {"--demo", "--nameserver", "10.0.0.2:53"},
            "lb-standalone: --nameserver: not with --demo"),
        Arguments.of(new String[] {"--cookie", "SRVID", "--backend", "127.0.0.2:1"},
            "lb-standalone: --cookie-key: not set (expected: "),
        Arguments.of(new String[] {}, "lb-standalone: --backend: not set (expected: "),
        Arguments.of(new String[] {"--engine", "jetty", "--backend", "127.0.0.2:1"},
            "lb-standalone: --engine: 'jetty' (expected: netty or servlet)"),
        Arguments.of(new String[] {"--mode", "route", "--backend", "127.0.0.2:1"},
            "lb-standalone: --mode route: not with --engine netty (expected: --mode proxy, or --engine servlet)"));
  }

  /** Flags are checked before either engine starts: one run, on the default engine. */
  @ParameterizedTest
  @MethodSource("badFlags")
  void aBadFlagExitsTwoWithOneLineNamingIt(String[] args, String message) throws Exception {
    try (StandaloneProcess p = StandaloneProcess.start("bad-flag", args)) {
      assertThat(p.awaitExit(EXIT)).isEqualTo(2);
      assertOneLine(p.stderr(), message);
      assertThat(p.stdout()).isEmpty();
    }
  }

  @Test
  void argumentFilesAreRead(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("lb.args");
    Files.writeString(file, "# from a file\n--backend 127.0.0.2:1\n--slots many\n");
    try (StandaloneProcess p = StandaloneProcess.start("at-file", "@" + file)) {
      assertThat(p.awaitExit(EXIT)).isEqualTo(2);
      assertOneLine(p.stderr(), "lb-standalone: --slots: 'many' (expected: an integer");
    }
  }

  @Test
  void helpListsEveryFlagAndExitsZero() throws Exception {
    try (StandaloneProcess p = StandaloneProcess.start("help", "--help")) {
      assertThat(p.awaitExit(EXIT)).isZero();
      assertThat(p.stdout()).contains("--listen=host:port", "--demo", "--shutdown-grace", "--log-level", "@file",
          "--backend", "--nameserver", "--slots", "--cookie=name", "--cookie-mode", "--cookie-key", "--stats-uri",
          "--timeout-server", "--hold-obsolete", "--check[=tcp|http|none]", "Exit status:");
    }
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void aTakenListenPortExitsOneWithOneLine(Engine engine) throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
      String listen = "127.0.0.1:" + taken.getLocalPort();
      try (StandaloneProcess p = StandaloneProcess.start("listen-taken", engine, "--listen", listen, "--backend",
          "127.0.0.2:1")) {
        assertThat(p.awaitExit(EXIT)).isEqualTo(1);
        assertOneLine(p.stderr(), "lb-standalone: --listen " + listen + ": cannot listen (");
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void aTakenDemoPortExitsOneWithOneLine(Engine engine) throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
      int port = taken.getLocalPort();
      try (StandaloneProcess p = StandaloneProcess.start("demo-port-taken", engine, "--demo", "--listen", "127.0.0.1:0",
          "--demo-port", Integer.toString(port))) {
        assertThat(p.awaitExit(EXIT)).isEqualTo(1);
        assertOneLine(p.stderr(), "lb-standalone: demo: replica whoami-1 cannot listen on 127.0.0.2:" + port + " (");
        assertThat(p.stderr()).contains("--demo-port");
      }
    }
  }

  /** Apart from log lines (time, level), stderr holds exactly one line: the message. */
  private static void assertOneLine(String stderr, String start) {
    assertThat(stderr).doesNotContain("Exception").doesNotContain("\tat ");
    List<String> other = new ArrayList<>();
    for (String line : stderr.strip().split("\n")) {
      if (!LOG_LINE.matcher(line).lookingAt()) {
        other.add(line);
      }
    }
    assertThat(other).as(stderr).hasSize(1);
    assertThat(other.get(0)).startsWith(start);
  }
}
