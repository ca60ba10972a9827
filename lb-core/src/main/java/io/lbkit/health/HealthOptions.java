package io.lbkit.health;

import io.lbkit.internal.Durations;
import io.lbkit.option.Option;
import io.lbkit.option.OptionSet;
import io.lbkit.option.Section;
import java.time.Duration;

/**
 * The options of a {@link HealthChecker}. The health counter ({@code rise}, {@code fall},
 * {@code error-limit}) belongs to the group: {@link io.lbkit.core.GroupOptions}.
 */
public final class HealthOptions {
  private HealthOptions() {}

  public static final Option<HealthChecker.Builder, CheckType> CHECK = Option.define(Section.HEALTH, "check",
          "Active health checks: tcp (TCP connect, HAProxy check), http (HAProxy option httpchk) or none;"
              + " a bare --check means tcp.")
      .defaultText("off").label("tcp|http|none").bare("tcp").parsed(CheckType::parse, HealthChecker.Builder::check);

  public static final Option<HealthChecker.Builder, Duration> CHECK_INTERVAL = Option.define(Section.HEALTH,
          "check-interval", "Time between checks of a server that is fully UP (HAProxy inter).")
      .defaultText("2s").duration(Durations.POSITIVE, Durations.MAX, HealthChecker.Builder::checkInterval);

  public static final Option<HealthChecker.Builder, Duration> CHECK_FASTINTER = Option.define(Section.HEALTH,
          "check-fastinter", "Time between checks while a server goes up or down (HAProxy fastinter).")
      .defaultText("check-interval")
      .duration(Durations.POSITIVE, Durations.MAX, HealthChecker.Builder::checkFastinter);

  public static final Option<HealthChecker.Builder, Duration> CHECK_DOWNINTER = Option.define(Section.HEALTH,
          "check-downinter", "Time between checks of a server that is fully DOWN (HAProxy downinter).")
      .defaultText("check-interval")
      .duration(Durations.POSITIVE, Durations.MAX, HealthChecker.Builder::checkDowninter);

  public static final Option<HealthChecker.Builder, Duration> CHECK_TIMEOUT = Option.define(Section.HEALTH,
          "check-timeout", "Once connected, how long an HTTP check waits for the status line (HAProxy timeout check).")
      .defaultText("check-interval")
      .duration(Durations.POSITIVE, Durations.MAX, HealthChecker.Builder::checkTimeout);

  public static final Option<HealthChecker.Builder, String> CHECK_METHOD = Option.define(Section.HEALTH,
          "check-method", "HTTP check method.")
      .defaultText("OPTIONS").label("method").text(HealthChecker.Builder::checkMethod);

  public static final Option<HealthChecker.Builder, String> CHECK_PATH = Option.define(Section.HEALTH,
          "check-path", "HTTP check request target.")
      .defaultText("/").label("path").text(HealthChecker.Builder::checkPath);

  public static final Option<HealthChecker.Builder, String> CHECK_VERSION = Option.define(Section.HEALTH,
          "check-version", "HTTP check version.")
      .defaultText("HTTP/1.0").label("HTTP/1.0|HTTP/1.1").text(HealthChecker.Builder::checkVersion);

  public static final Option<HealthChecker.Builder, String> CHECK_EXPECT = Option.define(Section.HEALTH,
          "check-expect", "Status codes that pass an HTTP check: 200, 200-399, 200,204.")
      .defaultText("200-399").label("codes").text(HealthChecker.Builder::checkExpect);

  public static final Option<HealthChecker.Builder, Observe> OBSERVE = Option.define(Section.HEALTH, "observe",
          "Passive checks: layer4 counts failed proxied requests (refused, reset, timeout) toward fall; none.")
      .defaultText("layer4").label("layer4|none").parsed(Observe::parse, HealthChecker.Builder::observe);

  /** Shared with the proxy, which defines the default; checks use the smaller of it and check-interval. */
  public static final Option<HealthChecker.Builder, Duration> TIMEOUT_CONNECT = Option.define(Section.PROXY,
          "timeout-connect", "Connect timeout to a server; health checks use the smaller of it and check-interval.")
      .defaultText("10s").duration(Durations.POSITIVE, Durations.MAX, HealthChecker.Builder::timeoutConnect);

  /** Every option of {@link HealthChecker.Builder#set}. */
  public static final OptionSet<HealthChecker.Builder> ALL = OptionSet.of("health", CHECK, CHECK_INTERVAL,
      CHECK_FASTINTER, CHECK_DOWNINTER, CHECK_TIMEOUT, CHECK_METHOD, CHECK_PATH, CHECK_VERSION, CHECK_EXPECT,
      OBSERVE, TIMEOUT_CONNECT);
}
