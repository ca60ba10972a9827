package io.lbkit.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lbkit.core.ServerGroup;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HealthCheckerBuilderTest {
  @Test
  void everyKeyMapsOntoTheBuilder() {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("check", "HTTP");
    settings.put("check-interval", "3s");
    settings.put("check-fastinter", "500ms");
    settings.put("check-downinter", "1m");
    settings.put("check-timeout", "800ms");
    settings.put("timeout-connect", "1s");
    settings.put("check-method", "GET");
    settings.put("check-path", "/health");
    settings.put("check-version", "HTTP/1.1");
    settings.put("check-expect", "200-299,304");
    settings.put("observe", "layer4");
    assertThat(settings.keySet()).containsExactlyInAnyOrderElementsOf(HealthOptions.ALL.names());
    assertThat(HealthChecker.from(settings).toString()).isEqualTo("HealthChecker.Builder{check=http GET /health HTTP/1.1"
        + " check-expect=200-299,304 check-interval=3s check-fastinter=500ms check-downinter=1m check-timeout=800ms"
        + " timeout-connect=1s observe=layer4}");
  }

  @Test
  void settingsGoToTheGroupAndIntervalsFollowHaproxy() {
    try (ServerGroup group = ServerGroup.builder("be").staticEndpoints("127.0.0.2:1").set("rise", "3")
        .set("fall", "2").set("error-limit", "4").build()) {
      HealthChecker checker = HealthChecker.builder().set("check-interval", "2s").set("check-fastinter", "100ms").set("check-downinter", "5s").build(group);
      assertThat(group.healthChecked()).isTrue();
      assertThat(group.rise()).isEqualTo(3);
      assertThat(group.fall()).isEqualTo(2);
      assertThat(group.errorLimit()).isEqualTo(4);
      // health 0..rise+fall-1 = 0..4
      assertThat(checker.intervalNanos(4)).isEqualTo(2_000_000_000L);
      assertThat(checker.intervalNanos(3)).isEqualTo(100_000_000L);
      assertThat(checker.intervalNanos(1)).isEqualTo(100_000_000L);
      assertThat(checker.intervalNanos(0)).isEqualTo(5_000_000_000L);
    }
  }

  @Test
  void fastinterAndDowninterDefaultToInterAndRiseFallToTheGroup() {
    try (ServerGroup group = ServerGroup.builder("be").rise(1).fall(1).build()) {
      HealthChecker checker = HealthChecker.builder().set("check-interval", "700ms").build(group);
      assertThat(group.rise()).isEqualTo(1);
      assertThat(checker.intervalNanos(0)).isEqualTo(700_000_000L);
      assertThat(checker.intervalNanos(1)).isEqualTo(700_000_000L);
      assertThat(group.errorLimit()).isEqualTo(10);
    }
  }

  @Test
  void checkAcceptsTheSwitchSpellings() {
    assertThat(CheckType.parse("on")).isEqualTo(CheckType.TCP);
    assertThat(CheckType.parse(" TRUE ")).isEqualTo(CheckType.TCP);
    assertThat(CheckType.parse("Off")).isEqualTo(CheckType.NONE);
    assertThat(CheckType.parse("no")).isEqualTo(CheckType.NONE);
    assertThat(CheckType.parse("HTTP")).isEqualTo(CheckType.HTTP);
  }

  @Test
  void oneCheckerPerGroup() {
    try (ServerGroup group = ServerGroup.builder("be").build()) {
      HealthChecker.builder().build(group);
      assertThatThrownBy(() -> HealthChecker.builder().build(group)).isInstanceOf(IllegalStateException.class)
          .hasMessage("be: health checks were already enabled (one checker per group)");
    }
  }

  @Test
  void observeNoneTurnsPassiveChecksOff() {
    try (ServerGroup group = ServerGroup.builder("be").build()) {
      HealthChecker.builder().set("observe", "NONE").build(group);
      assertThat(group.errorLimit()).isZero();
    }
  }

  @Test
  void badValuesNameTheSettingTheValueAndTheExpectation() {
    HealthChecker.Builder b = HealthChecker.builder();
    assertThatThrownBy(() -> b.set("check", "icmp")).hasMessage("check: 'icmp' (expected: tcp, http, none, on or off)");
    assertThatThrownBy(() -> b.set("check-interval", "0s")).hasMessage("check-interval: 0ms (expected: > 0)");
    assertThatThrownBy(() -> b.set("check-fastinter", "soon"))
        .hasMessage("check-fastinter: 'soon' (expected: a duration such as 500ms, 10s, 2m, 1h)");
    assertThatThrownBy(() -> b.set("check-expect", "200-"))
        .hasMessage("check-expect: '200-' (expected: status codes or ranges within 100-599, such as 200-399 or 200,204)");
    assertThatThrownBy(() -> b.set("check-expect", "399-200")).hasMessageStartingWith("check-expect: '399-200'");
    assertThatThrownBy(() -> b.set("check-expect", "600")).hasMessageStartingWith("check-expect: '600'");
    assertThatThrownBy(() -> b.set("check-method", "GET /x")).hasMessageStartingWith("check-method: 'GET /x' (expected:");
    assertThatThrownBy(() -> b.set("check-path", "health")).hasMessageStartingWith("check-path: 'health' (expected:");
    assertThatThrownBy(() -> b.set("check-path", "/a\r\nX: y")).hasMessageStartingWith("check-path:");
    assertThatThrownBy(() -> b.set("check-version", "HTTP/2")).hasMessage("check-version: 'HTTP/2' (expected: HTTP/1.0 or HTTP/1.1)");
    // the health counter is the group's
    ServerGroup.Builder g = ServerGroup.builder("be");
    assertThatThrownBy(() -> g.set("rise", "0")).hasMessage("rise: 0 (expected: 1..1000)");
    assertThatThrownBy(() -> g.set("fall", "three")).hasMessage("fall: 'three' (expected: an integer 1..1000)");
    assertThatThrownBy(() -> g.set("error-limit", "-1")).hasMessage("error-limit: -1 (expected: 1..1000000)");
    assertThatThrownBy(() -> g.set("error-limit", "0")).hasMessage("error-limit: 0 (expected: 1..1000000)");
    assertThatThrownBy(() -> b.set("rise", "2")).hasMessageStartingWith("rise: unknown parameter (expected: one of");
    assertThatThrownBy(() -> b.set("observe", "layer7")).hasMessage("observe: 'layer7' (expected: layer4 or none)");
    assertThatThrownBy(() -> b.set("check-intervall", "2s")).hasMessageStartingWith("check-intervall: unknown parameter (expected: one of check, check-downinter");
    assertThatThrownBy(() -> b.check(null)).hasMessage("check: null (expected: a value)");
  }
}
