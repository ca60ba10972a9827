package io.lbkit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lbkit.option.OptionException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One parser per value syntax: booleans, integers, durations, host:port, lists, cookie names. */
class ValueParsersTest {

  @Test
  void booleansAcceptOnOffTrueFalseYesNoInAnyCase() {
    for (String t : List.of("on", "ON", " true ", "Yes")) {
      assertThat(Values.bool("x", t)).as(t).isTrue();
    }
    for (String t : List.of("off", "False", "NO")) {
      assertThat(Values.bool("x", t)).as(t).isFalse();
    }
    assertThatThrownBy(() -> Values.bool("redispatch", "maybe")).isInstanceOf(OptionException.class)
        .hasMessage("redispatch: 'maybe' (expected: on or off)");
    assertThatThrownBy(() -> Values.bool("redispatch", "")).hasMessage("redispatch: '' (expected: on or off)");
  }

  @Test
  void integersAreDecimalAndRangeChecked() {
    assertThat(Values.integer("slots", " 5 ", 1, 1000)).isEqualTo(5);
    assertThat(Values.integer("retries", "0", 0, 100)).isZero();
    assertThatThrownBy(() -> Values.integer("slots", "x", 1, 1000)).hasMessage("slots: 'x' (expected: an integer 1..1000)");
    assertThatThrownBy(() -> Values.integer("slots", "1.5", 1, 1000)).hasMessage("slots: '1.5' (expected: an integer 1..1000)");
    assertThatThrownBy(() -> Values.integer("slots", "0x10", 1, 1000)).hasMessageStartingWith("slots: '0x10'");
    assertThatThrownBy(() -> Values.integer("slots", "0", 1, 1000)).hasMessage("slots: 0 (expected: 1..1000)");
    assertThatThrownBy(() -> Values.integer("retries", "-1", 0, 100)).hasMessage("retries: -1 (expected: 0..100)");
    // beyond int and long: refused, never wrapped around
    assertThatThrownBy(() -> Values.integer("slots", "4294967297", 1, 1000)).hasMessage("slots: 4294967297 (expected: 1..1000)");
    assertThatThrownBy(() -> Values.integer("slots", "99999999999999999999", 1, 1000))
        .hasMessage("slots: '99999999999999999999' (expected: an integer 1..1000)");
    OptionException e = catchOption(() -> Values.integer("slots", "x", 1, 1000));
    assertThat(e.option()).isEqualTo("slots");
    assertThat(e.value()).isEqualTo("x");
    assertThat(e.expected()).isEqualTo("an integer 1..1000");
    assertThat(e.message("--slots")).isEqualTo("--slots: 'x' (expected: an integer 1..1000)");
  }

  @Test
  void durationsTakeEveryUnitAndAreRangeCheckedAtParseTime() {
    assertThat(Durations.parse("t", "500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("t", "250")).isEqualTo(Duration.ofMillis(250));
    assertThat(Durations.parse("t", "10s")).isEqualTo(Duration.ofSeconds(10));
    assertThat(Durations.parse("t", "2M")).isEqualTo(Duration.ofMinutes(2));
    assertThat(Durations.parse("t", "1h")).isEqualTo(Duration.ofHours(1));
    assertThat(Durations.parse("t", "1d")).isEqualTo(Duration.ofDays(1));
    assertThat(Durations.parse("t", "365d", Duration.ZERO, Durations.MAX)).isEqualTo(Duration.ofDays(365));
    assertThatThrownBy(() -> Durations.parse("timeout-server", "999999d", Durations.POSITIVE, Durations.MAX))
        .isInstanceOf(OptionException.class).hasMessage("timeout-server: 999999d (expected: at most 365d)");
    assertThatThrownBy(() -> Durations.parse("t", "999999999999d", Durations.POSITIVE, Durations.MAX))
        .hasMessage("t: 999999999999d (expected: at most 365d)");
    assertThatThrownBy(() -> Durations.parse("t", "9999999999999d")).hasMessage(
        "t: '9999999999999d' (expected: a duration such as 500ms, 10s, 2m, 1h)");
    assertThatThrownBy(() -> Durations.parse("t", "0s", Durations.POSITIVE, Durations.MAX)).hasMessage("t: 0ms (expected: > 0)");
    assertThatThrownBy(() -> Durations.parse("t", "500ms", Duration.ofSeconds(1), Durations.MAX))
        .hasMessage("t: 500ms (expected: >= 1s)");
    for (String bad : List.of("-1s", "1.5s", "s", "10 s", "10sec", "")) {
      assertThatThrownBy(() -> Durations.parse("t", bad)).as(bad)
          .hasMessage("t: '" + bad + "' (expected: a duration such as 500ms, 10s, 2m, 1h)");
    }
    // whatever passes converts to nanoseconds without overflow
    assertThat(Durations.MAX.toNanos()).isPositive();
    assertThat(Durations.format(Duration.ofDays(2))).isEqualTo("2d");
    assertThat(Durations.format(Duration.ofSeconds(Long.MAX_VALUE))).endsWith("s");
  }

  @Test
  void hostPortTakesIpv4BracketedIpv6AndNames() throws Exception {
    assertThat(HostPort.parse("backend", "10.0.0.1:80", 1, -1, "host:port")).isEqualTo(new HostPort("10.0.0.1", 80));
    assertThat(HostPort.parse("backend", " [::1]:8080 ", 1, -1, "host:port")).isEqualTo(new HostPort("::1", 8080));
    assertThat(HostPort.parse("backend", "tasks.whoami:80", 1, -1, "host:port")).isEqualTo(new HostPort("tasks.whoami", 80));
    assertThat(HostPort.parse("--listen", ":0", 0, -1, "host:port")).isEqualTo(new HostPort("", 0));
    assertThat(HostPort.parse("nameserver", "::1", 1, 53, "ip[:port]")).isEqualTo(new HostPort("::1", 53));
    assertThat(HostPort.parse("nameserver", "[fd00::1]", 1, 53, "ip[:port]")).isEqualTo(new HostPort("fd00::1", 53));
    assertThat(HostPort.parse("nameserver", "10.0.0.1", 1, 53, "ip[:port]")).isEqualTo(new HostPort("10.0.0.1", 53));
    assertThat(new HostPort("::1", 80)).hasToString("[::1]:80");
    assertThat(new HostPort("::1", 80).literal()).isEqualTo(InetAddress.getByName("::1"));
    assertThat(new HostPort("tasks.whoami", 80).literal()).isNull();
    assertThat(new HostPort("tasks.whoami", 80).isIpLiteral()).isFalse();

    assertThatThrownBy(() -> HostPort.parse("backend", "::1:80", 1, -1, "host:port or [ipv6]:port"))
        .hasMessage("backend: '::1:80' (expected: host:port or [ipv6]:port)");
    assertThatThrownBy(() -> HostPort.parse("backend", "10.0.0.1", 1, -1, "host:port"))
        .hasMessage("backend: '10.0.0.1' (expected: host:port)");
    assertThatThrownBy(() -> HostPort.parse("backend", "10.0.0.1:0", 1, -1, "host:port"))
        .hasMessage("backend: '10.0.0.1:0' (expected: a port 1..65535)");
    assertThatThrownBy(() -> HostPort.parse("backend", "10.0.0.1:65536", 1, -1, "host:port"))
        .hasMessage("backend: '10.0.0.1:65536' (expected: a port 1..65535)");
    assertThatThrownBy(() -> HostPort.parse("backend", "10.0.0.1:99999999999", 1, -1, "host:port"))
        .hasMessageEndingWith("(expected: a port 1..65535)");
    assertThatThrownBy(() -> HostPort.parse("backend", "10.0.0.1:-1", 1, -1, "host:port"))
        .hasMessageEndingWith("(expected: a port 1..65535)");
    assertThatThrownBy(() -> HostPort.parse("backend", "[::1]x80", 1, -1, "host:port")).hasMessageEndingWith("(expected: host:port)");
    assertThatThrownBy(() -> HostPort.parse("backend", "[10.0.0.1]:80", 1, -1, "host:port")).hasMessageEndingWith("(expected: host:port)");
    assertThatThrownBy(() -> HostPort.parse("backend", "a b:80", 1, -1, "host:port")).hasMessageEndingWith("(expected: host:port)");
    assertThatThrownBy(() -> HostPort.parse("backend", "", 1, -1, "host:port")).hasMessageEndingWith("(expected: host:port)");
    assertThat(HostPort.literal("999.1.1.1")).isNull(); // never looked up as a name
    assertThat(HostPort.literal("1.2.3")).isNull();
  }

  @Test
  void listsAreCommaSeparatedAndTrimmed() {
    assertThat(Values.list("cookie-key", " k1 , k2,k3")).containsExactly("k1", "k2", "k3");
    assertThatThrownBy(() -> Values.list("cookie-key", "k1,,k2"))
        .hasMessage("cookie-key: 'k1,,k2' (expected: a comma-separated list without empty items)");
    assertThatThrownBy(() -> Values.list("cookie-key", "")).isInstanceOf(OptionException.class);
  }

  @Test
  void cookieNamesAreRfc6265Tokens() {
    assertThat(Values.cookieName("cookie", "SRVID")).isEqualTo("SRVID");
    assertThat(Values.cookieName("cookie", "a!#$%&'*+-.^_`|~z")).isEqualTo("a!#$%&'*+-.^_`|~z");
    for (String bad : List.of("", "a b", "a=b", "a;b", "a,b", "é", "a\"b", "(a)")) {
      assertThatThrownBy(() -> Values.cookieName("stick-on", bad)).as(bad)
          .hasMessage("stick-on: '" + bad + "' (expected: a cookie name made of letters, digits and !#$%&'*+-.^_`|~)");
    }
  }

  private static OptionException catchOption(Runnable r) {
    try {
      r.run();
    } catch (OptionException e) {
      return e;
    }
    throw new AssertionError("no OptionException");
  }
}
