package io.lbkit.option;

import java.util.List;
import java.util.Objects;

/**
 * A heading options are grouped under in {@code --help} and the README's configuration
 * reference. Modules may add their own ({@code new Section("Peers", "peers")}).
 *
 * @param title the heading of {@code --help}, e.g. {@code Health checks}
 * @param area the first cell of the README table, markdown allowed
 */
public record Section(String title, String area) {
  public static final Section BACKEND = new Section("Backend and discovery", "backend");
  public static final Section DNS = new Section("DNS resolver (when --backend is a name)",
      "DNS ([docs](docs/dns.md))");
  public static final Section HEALTH = new Section("Health checks", "health ([docs](docs/health.md))");
  public static final Section COOKIE = new Section("Sticky cookie", "persistence ([docs](docs/sessions.md))");
  public static final Section SESSION = new Section(
      "Persistence on the application's session (instead of --cookie)", "persistence");
  public static final Section PROXY = new Section("Proxying", "proxy ([docs](docs/servlet.md))");
  public static final Section STATS = new Section("Stats page", "stats");

  /** The core sections in help order. */
  public static final List<Section> STANDARD = List.of(BACKEND, DNS, HEALTH, COOKIE, SESSION, PROXY, STATS);

  public Section {
    Objects.requireNonNull(title, "title");
    Objects.requireNonNull(area, "area");
  }
}
