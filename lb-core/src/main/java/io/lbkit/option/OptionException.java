package io.lbkit.option;

/**
 * A bad option: an unknown name, a value of the wrong form or out of range, a missing required
 * option, or two options that do not go together. The parts are kept apart so that each adapter
 * names the option as its user typed it: {@link #getMessage()} reads
 * {@code slots: 'x' (expected: an integer 1..100000)}; a command line shows
 * {@code message("--" + option())}.
 */
public class OptionException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String option;
  private final String value;
  private final String problem;
  private final String expected;

  /** A bad value: {@code option: 'value' (expected: expected)}. */
  public OptionException(String option, String value, String expected) {
    this(option, value, "'" + value + "'", expected, null);
  }

  /**
   * The general form: {@code option: problem (expected: expected)}.
   *
   * @param value the value as given, or null when the problem is not about one value (not set,
   *     a conflict) or the value is a secret
   * @param problem what is wrong, as shown after the option's name: {@code 'x'}, {@code 0ms},
   *     {@code not set}, {@code set together with cookie}
   */
  public OptionException(String option, String value, String problem, String expected, Throwable cause) {
    super(format(option, problem, expected), cause);
    this.option = option;
    this.value = value;
    this.problem = problem;
    this.expected = expected;
  }

  /** A required option that is absent: {@code backend: not set (expected: ...)}. */
  public static OptionException notSet(String option, String expected) {
    return new OptionException(option, null, "not set", expected, null);
  }

  /** An option given together with one it excludes: {@code stick-on: set together with cookie (...)}. */
  public static OptionException conflict(String option, String other, String expected) {
    return new OptionException(option, null, "set together with " + other, expected, null);
  }

  /** A name no option has; {@code known} lists the names that exist. */
  public static OptionException unknown(String option, Iterable<String> known) {
    return new OptionException(option, null, "unknown parameter", "one of " + String.join(", ", known), null);
  }

  /** The option's name, as defined (without {@code --}). */
  public String option() {
    return option;
  }

  /** The value as given, or null when the problem is not one value's, or the value is a secret. */
  public String value() {
    return value;
  }

  /** What is wrong, as shown after the name. */
  public String problem() {
    return problem;
  }

  /** What the option accepts. */
  public String expected() {
    return expected;
  }

  /** The message with the option shown as {@code shownName}, e.g. {@code --slots} on a command line. */
  public String message(String shownName) {
    return format(shownName, problem, expected);
  }

  private static String format(String name, String problem, String expected) {
    return name + ": " + problem + " (expected: " + expected + ")";
  }
}
