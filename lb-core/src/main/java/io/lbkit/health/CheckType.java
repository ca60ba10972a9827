package io.lbkit.health;

import io.lbkit.option.OptionException;
import java.util.Locale;

/** The kind of active check, the value of the {@code check} setting. */
public enum CheckType {
  /** A TCP connect, HAProxy's plain {@code check}: {@code L4OK}, {@code L4CON}, {@code L4TOUT}. */
  TCP,
  /**
   * An HTTP request whose status line must be in the expected range, HAProxy's
   * {@code option httpchk}: {@code L7OK}, {@code L7STS <code>}, {@code L7RSP}, {@code L7TOUT}.
   */
  HTTP,
  /** No active checks: every server with an address is UP and passive checks are off. */
  NONE;

  /**
   * Parses {@code tcp}, {@code http} or {@code none}, in any case; the switch spellings
   * {@code on}/{@code true}/{@code yes} mean {@code tcp} (HAProxy's plain {@code check}) and
   * {@code off}/{@code false}/{@code no} mean {@code none}.
   */
  public static CheckType parse(String text) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    switch (t) {
      case "tcp":
      case "on":
      case "true":
      case "yes":
        return TCP;
      case "http":
        return HTTP;
      case "none":
      case "off":
      case "false":
      case "no":
        return NONE;
      default:
        throw new OptionException("check", text, "tcp, http, none, on or off");
    }
  }

  /** The setting's value as it is parsed: {@code tcp}, {@code http}, {@code none}. */
  public String value() {
    return name().toLowerCase(Locale.ROOT);
  }
}
