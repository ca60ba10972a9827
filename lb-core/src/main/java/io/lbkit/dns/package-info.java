/**
 * A live server list fed by DNS, with HAProxy's resolver semantics: A/AAAA for plain names, SRV
 * for names starting with {@code _}, hold timers per DNS status, {@code hold-obsolete} per record,
 * last-known-good on failures.
 *
 * <p>Starting point: {@link io.lbkit.dns.DnsEndpointSource#builder(String)}, which feeds a
 * {@link io.lbkit.core.ServerGroup}; the options ({@code hold-valid}, {@code resolve-prefer}, ...)
 * are defined once in {@link io.lbkit.dns.DnsOptions} and are the same for builder methods,
 * servlet init-params and CLI flags; see {@code docs/dns.md}.
 *
 * <p>Inside, in reading order: {@code DnsEndpointSource} (the public face and its builder),
 * {@code DnsQueryLoop} (scheduling, one resolution after another, over {@code DnsQuery}: the
 * sockets, UDP then TCP on truncation) and {@code DnsPolicy} (pure and ticker-driven: from each
 * {@code Resolution} and the time, the endpoint list and the next query time). {@code DnsAnswer}
 * classifies one reply; {@link io.lbkit.dns.DnsCounters} counts for the stats page.
 */
package io.lbkit.dns;
