package io.lbkit.dns;

/**
 * The outcome of a DNS query or of a whole resolution, as HAProxy classifies it (§1.3 of the
 * reference), with SERVFAIL, empty answers and malformed replies told apart for the stats page.
 */
public enum DnsStatus {
  /** NOERROR with at least one usable record. */
  VALID("valid", "hold-valid"),
  /** NXDOMAIN: the name does not exist (a service scaled to zero). Held for {@code hold-nx}. */
  NX("nx", "hold-nx"),
  /** NOERROR without a usable record (NODATA). Held for {@code hold-other}, as HAProxy does. */
  EMPTY("empty", "hold-other"),
  /** REFUSED. Held for {@code hold-refused}. */
  REFUSED("refused", "hold-refused"),
  /** SERVFAIL. Held for {@code hold-other}. */
  SERVFAIL("servfail", "hold-other"),
  /** No reply after {@code resolve-retries} tries. Held for {@code hold-timeout}. */
  TIMEOUT("timeout", "hold-timeout"),
  /** A reply with the query's ID that could not be parsed. Held for {@code hold-other}. */
  MALFORMED("malformed", "hold-other"),
  /** Any other RCODE, or a truncated answer that TCP could not complete. Held for {@code hold-other}. */
  OTHER("other", "hold-other");

  private final String key;
  private final String holdKey;

  DnsStatus(String key, String holdKey) {
    this.key = key;
    this.holdKey = holdKey;
  }

  /** The lower-case name used in stats keys and logs ({@code nx}, {@code timeout}...). */
  public String key() {
    return key;
  }

  /** The name of the hold setting that applies to this status ({@code hold-nx}...). */
  public String holdKey() {
    return holdKey;
  }

  /**
   * True for NX and EMPTY: the DNS did answer, and said "no servers". Once their hold runs out
   * they empty the list (after {@code hold-obsolete}) whatever {@code dns-failure} says.
   */
  public boolean isNegativeAnswer() {
    return this == NX || this == EMPTY;
  }

  /** True for TIMEOUT, REFUSED, SERVFAIL, MALFORMED and OTHER: the DNS did not do its job. */
  public boolean isFailure() {
    return this != VALID && !isNegativeAnswer();
  }
}
