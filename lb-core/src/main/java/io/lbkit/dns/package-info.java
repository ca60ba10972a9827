/**
 * A live server list fed by DNS, with HAProxy's resolver semantics: A/AAAA for plain names, SRV
 * for names starting with {@code _}, hold timers per DNS status, {@code hold-obsolete} per record,
 * last-known-good on failures.
 *
 * <p>Starting point: {@link io.lbkit.dns.DnsEndpointSource#builder(String)}, which feeds a
 * {@link io.lbkit.core.ServerGroup}. The option names ({@code hold-valid}, {@code resolve-prefer},
 * ...) are the same for builder methods, servlet init-params and CLI flags; see {@code docs/dns.md}.
 */
package io.lbkit.dns;
