package io.lbkit.core;

import io.lbkit.option.Option;
import io.lbkit.option.OptionSet;
import io.lbkit.option.Section;

/**
 * The options of a {@link ServerGroup}: its slots and its health counter. The group owns
 * {@code rise}, {@code fall} and {@code error-limit}, whoever reports checks to it.
 */
public final class GroupOptions {
  private GroupOptions() {}

  public static final Option<ServerGroup.Builder, String> SERVER_PREFIX = Option.define(Section.BACKEND,
          "server-prefix", "Server name prefix: slots are named prefix1..prefixN (HAProxy server-template name).")
      .defaultText("srv").label("prefix").text(ServerGroup.Builder::serverPrefix);

  public static final Option<ServerGroup.Builder, Integer> SLOTS = Option.define(Section.BACKEND, "slots",
          "Number of server slots filled from DNS (HAProxy server-template N); extra records are ignored.")
      .defaultText("unbounded").integer(1, 100_000, ServerGroup.Builder::slots);

  public static final Option<ServerGroup.Builder, Integer> RISE = Option.define(Section.HEALTH, "rise",
          "Consecutive successful checks that bring a server UP.")
      .defaultText("2").integer(1, 1000, ServerGroup.Builder::rise);

  public static final Option<ServerGroup.Builder, Integer> FALL = Option.define(Section.HEALTH, "fall",
          "Consecutive failed checks that take a server DOWN.")
      .defaultText("3").integer(1, 1000, ServerGroup.Builder::fall);

  public static final Option<ServerGroup.Builder, Integer> ERROR_LIMIT = Option.define(Section.HEALTH,
          "error-limit", "With observe layer4: failed requests in a row that count as one failed check.")
      .defaultText("10").integer(1, 1_000_000, ServerGroup.Builder::errorLimit);

  /** Every option of {@link ServerGroup.Builder#set}. */
  public static final OptionSet<ServerGroup.Builder> ALL = OptionSet.of("group", SERVER_PREFIX, SLOTS, RISE, FALL,
      ERROR_LIMIT);
}
