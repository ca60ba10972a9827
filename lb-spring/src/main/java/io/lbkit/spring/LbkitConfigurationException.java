package io.lbkit.spring;

/**
 * A bad {@code lbkit.*} property. The message names the property and what it accepts, as
 * {@code lbkit.services.whoami.slots: 'x' (expected: an integer 1..100000)}; Spring Boot's start-up failure
 * report shows it as the description.
 */
public class LbkitConfigurationException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** A configuration error with its message. */
  public LbkitConfigurationException(String message) {
    super(message);
  }

  /** A configuration error with its message and the parser's exception. */
  public LbkitConfigurationException(String message, Throwable cause) {
    super(message, cause);
  }
}
