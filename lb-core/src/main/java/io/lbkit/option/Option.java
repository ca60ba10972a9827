package io.lbkit.option;

import io.lbkit.internal.Durations;
import io.lbkit.internal.Values;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.ObjIntConsumer;
import java.util.function.ObjLongConsumer;
import java.util.function.UnaryOperator;

/**
 * One configuration option, defined once: its name (as an init-param, a CLI flag without
 * {@code --}, a property suffix), its help, its default for the docs, the form and range of its
 * value, and the builder setter it drives. Everything else is derived from it: the builders'
 * {@code set(key, value)}, the filter's init-params, the standalone's flags and {@code --help},
 * and the README's configuration reference.
 *
 * <pre>{@code
 * static final Option<DnsEndpointSource.Builder, Duration> HOLD_VALID =
 *     Option.define(Section.DNS, "hold-valid", "How long a valid answer is trusted.")
 *         .defaultText("10s")
 *         .duration(Duration.ZERO, Durations.MAX, DnsEndpointSource.Builder::holdValid);
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 *
 * @param <B> what the option configures, usually a builder
 * @param <T> the parsed value's type
 */
public final class Option<B, T> {
  private final String name;
  private final Section section;
  private final String meaning;
  private final String label;
  private final String defaultText;
  private final String bare;
  private final boolean secret;
  private final Function<String, T> parser;
  private final UnaryOperator<T> check;
  private final BiConsumer<B, T> setter;

  private Option(Definer d, String label, Function<String, T> parser, UnaryOperator<T> check,
      BiConsumer<B, T> setter) {
    this.name = d.name;
    this.section = d.section;
    this.meaning = d.meaning;
    this.label = d.label != null ? d.label : label;
    this.defaultText = d.defaultText;
    this.bare = d.bare;
    this.secret = d.secret;
    this.parser = parser;
    this.check = check;
    this.setter = Objects.requireNonNull(setter, "setter");
  }

  /**
   * Starts the definition of an option; finish it with one of the typed methods of
   * {@link Definer}, which take the setter.
   *
   * @param name lower-case words joined by {@code -}
   * @param meaning one sentence, ending with a period, without the default
   */
  public static Definer define(Section section, String name, String meaning) {
    return new Definer(section, name, meaning);
  }

  /** The name, as an init-param spells it ({@code hold-valid}). */
  public String name() {
    return name;
  }

  public Section section() {
    return section;
  }

  /** One sentence saying what the option does, without its default. */
  public String meaning() {
    return meaning;
  }

  /** What the value looks like in help: {@code duration}, {@code N}, {@code on|off}, {@code host:port}. */
  public String valueLabel() {
    return label;
  }

  /** The default as the docs show it ({@code 10s}, {@code off}, {@code none}), or null when required. */
  public String defaultText() {
    return defaultText;
  }

  /** The value meant when a flag is given without one ({@code --check} means {@code tcp}), or null. */
  public String bareValue() {
    return bare;
  }

  /** Whether the value is a secret, never to be logged or echoed. */
  public boolean secret() {
    return secret;
  }

  /** The meaning followed by the default, as {@code --help} shows it. */
  public String help() {
    return defaultText == null ? meaning
        : meaning.substring(0, meaning.length() - (meaning.endsWith(".") ? 1 : 0)) + " (default: " + defaultText + ").";
  }

  /**
   * Parses a value and checks its range.
   *
   * @throws OptionException naming this option
   */
  public T parse(String text) {
    return parser.apply(text == null ? null : text.trim());
  }

  /**
   * Checks a value given through a typed setter against this option's range; builders call it
   * so the range is written once.
   *
   * @throws OptionException naming this option
   */
  public T check(T value) {
    return check.apply(value);
  }

  /**
   * Parses {@code text} and hands the value to the setter of {@code target}.
   *
   * @throws OptionException naming this option, from the parser or the setter
   */
  public void apply(B target, String text) {
    setter.accept(target, parse(text));
  }

  /**
   * The same option driving another target's setter: for an option that two components read
   * (the proxy and the health checks both take {@code timeout-connect}). Docs list it once.
   */
  public <C> Option<C, T> alsoFor(BiConsumer<C, T> otherSetter) {
    return new Option<>(this, otherSetter);
  }

  private Option(Option<?, T> same, BiConsumer<B, T> setter) {
    this.name = same.name;
    this.section = same.section;
    this.meaning = same.meaning;
    this.label = same.label;
    this.defaultText = same.defaultText;
    this.bare = same.bare;
    this.secret = same.secret;
    this.parser = same.parser;
    this.check = same.check;
    this.setter = Objects.requireNonNull(setter, "setter");
  }

  @Override
  public String toString() {
    return name;
  }

  /** The describing half of a definition; the typed methods finish it with a parser and a setter. */
  public static final class Definer {
    private final Section section;
    private final String name;
    private final String meaning;
    private String label;
    private String defaultText;
    private String bare;
    private boolean secret;

    private Definer(Section section, String name, String meaning) {
      this.section = Objects.requireNonNull(section, "section");
      if (name == null || !name.matches("[a-z0-9]+(-[a-z0-9]+)*")) {
        throw new IllegalArgumentException("option name: '" + name + "' (expected: lower-case words joined by -)");
      }
      if (meaning == null || meaning.isBlank()) {
        throw new IllegalArgumentException(name + ": no meaning (expected: one sentence of help)");
      }
      this.name = name;
      this.meaning = meaning;
    }

    /** The default as the docs show it; leave unset for a required option. */
    public Definer defaultText(String text) {
      this.defaultText = text;
      return this;
    }

    /** The value label for help, replacing the type's ({@code tcp|http|none}). */
    public Definer label(String valueLabel) {
      this.label = valueLabel;
      return this;
    }

    /** Lets the flag go without a value, meaning {@code value}. Booleans mean {@code on} already. */
    public Definer bare(String value) {
      this.bare = value;
      return this;
    }

    /** Marks the value secret: masked in logs and messages. */
    public Definer secret() {
      this.secret = true;
      return this;
    }

    /** A duration ({@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h}, {@code 1d}) within {@code min..max}. */
    public <B> Option<B, Duration> duration(Duration min, Duration max, BiConsumer<B, Duration> setter) {
      if (max.compareTo(Durations.MAX) > 0 || min.compareTo(max) > 0) {
        throw new IllegalArgumentException(name + ": range " + min + ".." + max + " (expected: within 0.."
            + Durations.format(Durations.MAX) + ")");
      }
      return new Option<>(this, "duration", text -> Durations.parse(name, text, min, max),
          d -> Durations.check(name, d, min, max), setter);
    }

    /** An integer within {@code min..max}. */
    public <B> Option<B, Integer> integer(int min, int max, ObjIntConsumer<B> setter) {
      return new Option<>(this, "N", text -> Values.integer(name, text, min, max),
          v -> Values.integer(name, Integer.toString(Objects.requireNonNull(v, name)), min, max), setter::accept);
    }

    /** A long integer within {@code min..max}. */
    public <B> Option<B, Long> longInteger(long min, long max, ObjLongConsumer<B> setter) {
      return new Option<>(this, "N", text -> Values.longInteger(name, text, min, max),
          v -> Values.longInteger(name, Long.toString(Objects.requireNonNull(v, name)), min, max), setter::accept);
    }

    /** A boolean: {@code on}/{@code off}, {@code true}/{@code false}, {@code yes}/{@code no}; bare means on. */
    public <B> Option<B, Boolean> bool(BiConsumer<B, Boolean> setter) {
      if (bare == null) {
        bare = "on";
      }
      return new Option<>(this, "on|off", text -> Values.bool(name, text), v -> v, setter);
    }

    /** Comma-separated items, trimmed, none empty. */
    public <B> Option<B, List<String>> list(BiConsumer<B, List<String>> setter) {
      return new Option<>(this, "a[,b...]", text -> Values.list(name, text), v -> v, setter);
    }

    /** A cookie name (an RFC 6265 token). */
    public <B> Option<B, String> cookieName(BiConsumer<B, String> setter) {
      return new Option<>(this, "cookie", text -> Values.cookieName(name, text), v -> Values.cookieName(name, v),
          setter);
    }

    /**
     * Text the setter itself checks (a path, a method, a list the component parses); the setter
     * must throw {@link OptionException} naming this option. Set a {@link #label}.
     */
    public <B> Option<B, String> text(BiConsumer<B, String> setter) {
      return new Option<>(this, "value", text -> text, v -> v, setter);
    }

    /**
     * A value read by {@code parser} (an enum's {@code parse}), which must throw
     * {@link OptionException} naming this option. Set a {@link #label}.
     */
    public <B, T> Option<B, T> parsed(Function<String, T> parser, BiConsumer<B, T> setter) {
      return new Option<>(this, "value", parser, v -> v, setter);
    }
  }
}
