package io.lbkit.dns;

import io.lbkit.internal.Durations;
import io.lbkit.option.Option;
import io.lbkit.option.OptionSet;
import io.lbkit.option.Section;
import java.time.Duration;

/** The options of a {@link DnsEndpointSource}: HAProxy's resolver settings. */
public final class DnsOptions {
  private DnsOptions() {}

  public static final Option<DnsEndpointSource.Builder, String> NAMESERVER = Option.define(Section.DNS,
          "nameserver", "DNS server(s) to ask, ip[:port] comma-separated; the port is 53 unless given.")
      .defaultText("/etc/resolv.conf, re-read").label("host:port[,...]")
      .text((DnsEndpointSource.Builder b, String v) -> b.nameserver(v));

  public static final Option<DnsEndpointSource.Builder, ResolvePrefer> RESOLVE_PREFER = Option.define(Section.DNS,
          "resolve-prefer", "Address family asked first for a plain name: ipv4, ipv6 or both.")
      .defaultText("ipv6").label("ipv4|ipv6|both")
      .parsed(ResolvePrefer::parse, DnsEndpointSource.Builder::resolvePrefer);

  public static final Option<DnsEndpointSource.Builder, Integer> RESOLVE_RETRIES = Option.define(Section.DNS,
          "resolve-retries", "Queries sent before a resolution counts as failed.")
      .defaultText("3").integer(1, 100, DnsEndpointSource.Builder::resolveRetries);

  public static final Option<DnsEndpointSource.Builder, Duration> TIMEOUT_RESOLVE = Option.define(Section.DNS,
          "timeout-resolve", "Interval between resolutions.")
      .defaultText("1s").duration(Durations.POSITIVE, Durations.MAX, DnsEndpointSource.Builder::timeoutResolve);

  public static final Option<DnsEndpointSource.Builder, Duration> TIMEOUT_RETRY = Option.define(Section.DNS,
          "timeout-retry", "Wait before re-sending an unanswered query.")
      .defaultText("1s").duration(Durations.POSITIVE, Durations.MAX, DnsEndpointSource.Builder::timeoutRetry);

  public static final Option<DnsEndpointSource.Builder, Duration> HOLD_VALID = hold("hold-valid",
      "How long a valid answer is trusted (the article uses 10s for every hold).", "10s",
      DnsEndpointSource.Builder::holdValid);

  public static final Option<DnsEndpointSource.Builder, Duration> HOLD_NX = hold("hold-nx",
      "How long the last good list survives NXDOMAIN.", "30s", DnsEndpointSource.Builder::holdNx);

  public static final Option<DnsEndpointSource.Builder, Duration> HOLD_REFUSED = hold("hold-refused",
      "How long the last good list survives REFUSED.", "30s", DnsEndpointSource.Builder::holdRefused);

  public static final Option<DnsEndpointSource.Builder, Duration> HOLD_TIMEOUT = hold("hold-timeout",
      "How long the last good list survives an unanswered resolution.", "30s",
      DnsEndpointSource.Builder::holdTimeout);

  public static final Option<DnsEndpointSource.Builder, Duration> HOLD_OTHER = hold("hold-other",
      "How long the last good list survives other errors (SERVFAIL, empty, malformed).", "30s",
      DnsEndpointSource.Builder::holdOther);

  public static final Option<DnsEndpointSource.Builder, Duration> HOLD_OBSOLETE = hold("hold-obsolete",
      "How long a server missing from the answers keeps its slot.", "0s", DnsEndpointSource.Builder::holdObsolete);

  public static final Option<DnsEndpointSource.Builder, Integer> ACCEPTED_PAYLOAD_SIZE = Option.define(Section.DNS,
          "accepted-payload-size", "EDNS0 UDP payload size announced; larger answers come over TCP.")
      .defaultText("512").label("bytes").integer(12, 65535, DnsEndpointSource.Builder::acceptedPayloadSize);

  public static final Option<DnsEndpointSource.Builder, Boolean> RESPECT_TTL = Option.define(Section.DNS,
          "respect-ttl", "Also honour record TTLs: wait for the smallest one between resolutions, up to hold-valid.")
      .defaultText("off").bool(DnsEndpointSource.Builder::respectTtl);

  public static final Option<DnsEndpointSource.Builder, DnsFailure> DNS_FAILURE = Option.define(Section.DNS,
          "dns-failure", "When DNS stays down past the hold timers: keep servers whose checks pass, or drop them"
              + " (HAProxy).")
      .defaultText("keep").label("keep|drop").parsed(DnsFailure::parse, DnsEndpointSource.Builder::dnsFailure);

  /** Every option of {@link DnsEndpointSource.Builder#set}. */
  public static final OptionSet<DnsEndpointSource.Builder> ALL = OptionSet.of("dns", NAMESERVER, RESOLVE_PREFER,
      RESOLVE_RETRIES, TIMEOUT_RESOLVE, TIMEOUT_RETRY, HOLD_VALID, HOLD_NX, HOLD_REFUSED, HOLD_TIMEOUT, HOLD_OTHER,
      HOLD_OBSOLETE, ACCEPTED_PAYLOAD_SIZE, RESPECT_TTL, DNS_FAILURE);

  private static Option<DnsEndpointSource.Builder, Duration> hold(String name, String meaning, String defaultText,
      java.util.function.BiConsumer<DnsEndpointSource.Builder, Duration> setter) {
    return Option.define(Section.DNS, name, meaning).defaultText(defaultText)
        .duration(Duration.ZERO, Durations.MAX, setter);
  }
}
