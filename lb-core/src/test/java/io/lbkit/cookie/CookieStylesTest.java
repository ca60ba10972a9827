package io.lbkit.cookie;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lbkit.core.Endpoint;
import io.lbkit.core.RequestView;
import io.lbkit.core.Selection;
import io.lbkit.core.ServerGroup;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Prefix style, maxidle/maxlife dates, and agreement between balancer instances. */
class CookieStylesTest {
  static ServerGroup group() {
    ServerGroup group = ServerGroup.builder("be").slots("app", 3).build();
    group.setEndpoints(List.of(Endpoint.parse("127.0.0.2:8080"), Endpoint.parse("127.0.0.3:8080"), Endpoint.parse("127.0.0.4:8080")));
    return group;
  }

  @Test
  void prefixRoundTripTheBackendNeverSeesOurPrefix() {
    ServerGroup group = group();
    StickyCookieBalancer prefix = StickyCookieBalancer.builder().cookie("JSESSIONID").cookieMode(CookieMode.PREFIX).cookieKey("k").build(group);
    Selection first = prefix.select(RequestView.EMPTY);
    assertThat(first.setCookie()).as("prefix style inserts no cookie of its own").isNull();
    String out = prefix.backendSetCookie(first, "JSESSIONID=8F3AE1; Path=/; HttpOnly");
    String serverValue = prefix.cookieValue(first.server().endpoint());
    assertThat(out).isEqualTo("JSESSIONID=" + serverValue + "~8F3AE1; Path=/; HttpOnly");

    String browser = "theme=dark; JSESSIONID=" + serverValue + "~8F3AE1";
    for (int i = 0; i < 5; i++) {
      assertThat(prefix.select(RequestView.of(browser)).name()).isEqualTo(first.name());
    }
    assertThat(prefix.forwardedCookieHeader(browser)).isEqualTo("theme=dark; JSESSIONID=8F3AE1");
    assertThat(prefix.forwardedCookieHeader("JSESSIONID=8F3AE1~x")).isEqualTo("JSESSIONID=8F3AE1~x");
    assertThat(prefix.backendSetCookie(first, "JSESSIONID=; Max-Age=0")).isEqualTo("JSESSIONID=; Max-Age=0");
    assertThat(prefix.backendSetCookie(first, "OTHER=1")).isEqualTo("OTHER=1");
    // a bare value without our prefix is balanced
    assertThat(prefix.select(RequestView.of("JSESSIONID=" + serverValue)).isEmpty()).isFalse();
  }

  @Test
  void maxIdleAndMaxLifeDateTheCookieAndExpireIt() {
    ServerGroup group = group();
    AtomicLong millis = new AtomicLong(Instant.parse("2026-11-29T10:00:00Z").toEpochMilli());
    Clock clock = new Clock() {
      @Override
      public ZoneOffset getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(java.time.ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        return Instant.ofEpochMilli(millis.get());
      }
    };
    StickyCookieBalancer dated = StickyCookieBalancer.builder().cookieKey("k").cookieMaxIdle(Duration.ofMinutes(10))
        .cookieMaxLife(Duration.ofHours(1)).clock(clock).build(group);
    Selection first = dated.select(RequestView.EMPTY);
    String value = first.setCookie().substring("SRVID=".length(), first.setCookie().indexOf(';'));
    assertThat(value).matches("[0-9a-f]{16}\\|[A-Za-z0-9+/]{5}\\|[A-Za-z0-9+/]{5}");
    String cookie = "SRVID=" + value;

    millis.addAndGet(Duration.ofMinutes(1).toMillis());
    Selection pinned = dated.select(RequestView.of(cookie));
    assertThat(pinned.name()).isEqualTo(first.name());
    assertThat(pinned.setCookie()).as("fresh enough: no new cookie").isNull();

    millis.addAndGet(Duration.ofMinutes(4).toMillis()); // older than maxidle/4: refreshed, same server
    Selection refreshed = dated.select(RequestView.of(cookie));
    assertThat(refreshed.name()).isEqualTo(first.name());
    assertThat(refreshed.setCookie()).isNotNull().doesNotContain(value);
    String refreshedCookie = refreshed.setCookie().substring(0, refreshed.setCookie().indexOf(';'));
    assertThat(refreshedCookie.substring(refreshedCookie.lastIndexOf('|'))).as("first-issue date kept").isEqualTo(value.substring(value.lastIndexOf('|')));

    millis.addAndGet(Duration.ofMinutes(11).toMillis()); // idle too long
    Selection expired = dated.select(RequestView.of(refreshedCookie));
    assertThat(expired.setCookie()).isNotNull();

    // maxlife counts from the first issue even when the cookie keeps being used
    Selection fresh = dated.select(RequestView.EMPTY);
    String live = fresh.setCookie().substring(0, fresh.setCookie().indexOf(';'));
    for (int i = 0; i < 6; i++) { // 54 minutes of use, refreshed every 9
      millis.addAndGet(Duration.ofMinutes(9).toMillis());
      Selection s = dated.select(RequestView.of(live));
      assertThat(s.name()).isEqualTo(fresh.name());
      live = s.setCookie().substring(0, s.setCookie().indexOf(';'));
    }
    millis.addAndGet(Duration.ofMinutes(7).toMillis());
    Selection tooOld = dated.select(RequestView.of(live));
    assertThat(tooOld.setCookie()).isNotNull();
    assertThat(tooOld.setCookie().substring(tooOld.setCookie().lastIndexOf('|'), tooOld.setCookie().indexOf(';')))
        .isNotEqualTo(live.substring(live.lastIndexOf('|')));

    // dates in the far future are forged
    assertThat(dated.select(RequestView.of("SRVID=" + value.substring(0, 16) + "|/////|/////")).setCookie()).isNotNull();
    assertThatThrownBy(() -> StickyCookieBalancer.builder().cookieMaxIdle(Duration.ofMillis(10))).hasMessageStartingWith("cookie-maxidle:");
  }

  @Test
  void twoBalancerInstancesWithTheSameKeyAndListAgree() {
    StickyCookieBalancer a = StickyCookieBalancer.builder().cookieKey("shared").build(group());
    StickyCookieBalancer b = StickyCookieBalancer.builder().cookieKey("shared").build(group());
    for (int i = 0; i < 3; i++) {
      Selection issued = a.select(RequestView.EMPTY);
      String cookie = issued.setCookie().substring(0, issued.setCookie().indexOf(';'));
      Selection other = b.select(RequestView.of(cookie));
      assertThat(other.server().endpoint()).isEqualTo(issued.server().endpoint());
      assertThat(other.setCookie()).isNull();
    }
  }
}
