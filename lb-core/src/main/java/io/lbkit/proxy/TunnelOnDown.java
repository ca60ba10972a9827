package io.lbkit.proxy;

import io.lbkit.option.OptionException;
import java.util.Locale;

/**
 * What happens to a server's open tunnels when it goes DOWN, into maintenance or out of the
 * endpoint list ({@code tunnel-on-server-down}).
 */
public enum TunnelOnDown {
  /** They stay open until either side closes them (HAProxy's default). */
  KEEP,
  /** They are closed at once (HAProxy's {@code on-marked-down shutdown-sessions}). */
  CLOSE;

  /** Parses {@code keep} or {@code close} (any case). */
  public static TunnelOnDown parse(String text) {
    if (text != null) {
      for (TunnelOnDown t : values()) {
        if (t.name().equalsIgnoreCase(text.trim())) {
          return t;
        }
      }
    }
    throw new OptionException("tunnel-on-server-down", text, "keep or close");
  }

  /** The name used in configuration: {@code keep} or {@code close}. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
