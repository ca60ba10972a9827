package io.lbkit.dns;

import io.lbkit.core.Endpoint;
import io.lbkit.internal.Durations;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Name;
import org.xbill.DNS.SRVRecord;

/**
 * The record and hold-timer policy of one DNS source, with no socket and no scheduler: given each
 * {@link Resolution} and the time it ended, it decides the endpoint list for the group and when the
 * next resolution starts ({@link #onResolution}). Times are {@code Ticker} readings, compared by
 * subtraction only, so a ticker that wraps past {@code Long.MAX_VALUE} changes nothing.
 *
 * <ul>
 *   <li>A VALID answer refreshes each record's last-seen time; a record missing from it stays while
 *       it was seen within {@code hold-obsolete}.
 *   <li>A failure changes nothing while {@code now - lastValid < hold-<status>}. Past it, a negative
 *       answer (NXDOMAIN, empty) lets {@code hold-obsolete} age the records out; other failures keep
 *       the list ({@code dns-failure keep}) or empty it ({@code drop}), with one warning each way.
 *   <li>SRV targets are held one by one by the status of their own answer.
 * </ul>
 *
 * Thread-safe (each method holds the policy's lock); the query loop calls it once per resolution.
 * Logs under {@link DnsEndpointSource}'s name, as every part of the source does.
 */
final class DnsPolicy {
  private static final Logger log = LoggerFactory.getLogger(DnsEndpointSource.class);

  /** The settings the policy reads; the builder's {@code policySettings()} gives them. */
  record Settings(long holdValid, long holdNx, long holdRefused, long holdTimeout, long holdOther, long holdObsolete,
      long timeoutResolve, boolean respectTtl, DnsFailure dnsFailure) {}

  /**
   * What to do after a resolution.
   *
   * @param endpoints the list for the group, lower SRV priorities first; null: leave the group as it is
   * @param nextQueryAt when the next resolution starts, as a ticker reading
   */
  record Decision(List<Endpoint> endpoints, long nextQueryAt) {}

  private final String prefix;
  private final Settings settings;
  private final LinkedHashMap<Endpoint, Seen> records = new LinkedHashMap<>();
  private final Map<Name, TargetState> targets = new HashMap<>();
  private long lastValid;
  private DnsStatus lastStatus;
  private String lastDetail = "";
  private boolean failing;

  /** A policy whose hold timers start at {@code now} (HAProxy: last_valid starts when the resolution is created). */
  DnsPolicy(String prefix, Settings settings, long now) {
    this.prefix = prefix;
    this.settings = settings;
    this.lastValid = now;
  }

  /** Applies the result of a resolution that ended at {@code now}. Never throws on hostile input. */
  synchronized Decision onResolution(Resolution res, long now) {
    long nextQueryAt = now + nextDelay(res); // first: whatever happens below, the cycle goes on
    DnsStatus status = res.status();
    lastStatus = status;
    lastDetail = res.answer.detail;
    List<Endpoint> apply;
    try {
      apply = decide(res, status, now);
    } catch (RuntimeException e) { // hostile input or a bug: log it, keep the list, keep resolving
      log.warn("{}: handling the DNS result {} failed", prefix, res.answer, e);
      apply = null;
    }
    if (apply != null && apply.size() > 1) {
      // lower SRV priorities first, so when records outnumber slots the backups are the ones left out
      List<Endpoint> sorted = new ArrayList<>(apply);
      sorted.sort(Comparator.comparingInt(Endpoint::priority));
      apply = List.copyOf(sorted);
    }
    return new Decision(apply, nextQueryAt);
  }

  private List<Endpoint> decide(Resolution res, DnsStatus status, long now) {
    if (status == DnsStatus.VALID) {
      lastValid = now;
      recovered(status);
      updateRecords(res.srvRecords != null ? srvEndpoints(res, now) : res.endpoints, now);
      return endpoints();
    }
    long hold = hold(status);
    long held = now - lastValid;
    if (held < hold) {
      log.debug("{}: {} ({}), {} of {} held: nothing changes", prefix, status.key(), res.answer.detail,
          Durations.format(Duration.ofNanos(held)), status.holdKey());
      return null;
    }
    if (status.isNegativeAnswer()) {
      recovered(status);
      updateRecords(List.of(), now);
      List<Endpoint> kept = endpoints();
      if (!kept.isEmpty()) {
        log.info("{}: {} for longer than {}; {} record(s) kept by hold-obsolete", prefix, status.key(),
            status.holdKey(), kept.size());
      }
      return kept;
    }
    if (settings.dnsFailure() == DnsFailure.KEEP) {
      if (!failing) {
        failing = true;
        log.warn("{}: DNS {} ({}) for longer than {} ({}); keeping the last {} known server(s) until DNS"
            + " answers again (dns-failure keep)", prefix, status.key(), res.answer.detail, status.holdKey(),
            Durations.format(Duration.ofNanos(hold)), records.size());
      }
      return null;
    }
    if (!failing) {
      failing = true;
      log.warn("{}: DNS {} ({}) for longer than {} ({}); all servers go to MAINT until DNS answers again"
          + " (dns-failure drop)", prefix, status.key(), res.answer.detail, status.holdKey(),
          Durations.format(Duration.ofNanos(hold)));
    }
    records.clear(); // as HAProxy detaches every slot: the next valid answer assigns from scratch
    targets.clear();
    return List.of();
  }

  /**
   * True when the last resolution was VALID less than {@code hold-valid} before {@code now}: an
   * on-demand resolution may reuse it.
   */
  synchronized boolean freshWithinHoldValid(long now) {
    return lastStatus == DnsStatus.VALID && now - lastValid < settings.holdValid();
  }

  /** The status of the last resolution, or null before the first one. */
  synchronized DnsStatus lastStatus() {
    return lastStatus;
  }

  /** What the last resolution said; empty when VALID. */
  synchronized String lastDetail() {
    return lastDetail;
  }

  /** True while failures past their hold are being ridden out or have emptied the list. */
  synchronized boolean isFailing() {
    return failing;
  }

  /** The records currently believed in, in first-seen order. */
  synchronized List<Endpoint> endpoints() {
    List<Endpoint> out = new ArrayList<>(records.size());
    for (Seen s : records.values()) {
      out.add(s.endpoint);
    }
    return out;
  }

  private void recovered(DnsStatus status) {
    if (failing) {
      failing = false;
      log.warn("{}: DNS resolution recovered ({})", prefix, status.key());
    }
  }

  /** SRV endpoints, with each target's addresses held by its own status (HAProxy resolves targets per slot). */
  private List<Endpoint> srvEndpoints(Resolution res, long now) {
    targets.keySet().retainAll(res.targets.keySet());
    for (Map.Entry<Name, DnsAnswer> e : res.targets.entrySet()) {
      TargetState ts = targets.computeIfAbsent(e.getKey(), n -> new TargetState(now));
      DnsAnswer a = e.getValue();
      if (a.status == DnsStatus.VALID) {
        ts.addresses = a.addresses;
        ts.lastValid = now;
      } else if (now - ts.lastValid >= hold(a.status)
          && (a.status.isNegativeAnswer() || settings.dnsFailure() == DnsFailure.DROP)) {
        ts.addresses = List.of();
      } else {
        log.debug("{}: SRV target {}: {}, keeping {}", prefix, e.getKey(), a, ts.addresses);
      }
    }
    List<Endpoint> out = new ArrayList<>();
    boolean warnedPortZero = false;
    for (SRVRecord r : res.srvRecords) {
      TargetState ts = targets.get(r.getTarget());
      if (ts == null) {
        continue;
      }
      if (r.getPort() == 0) {
        if (!warnedPortZero) { // once per answer, however many such records it carries
          warnedPortZero = true;
          log.warn("{}: SRV record {} has port 0; ignored", prefix, r);
        }
        continue;
      }
      String target = r.getTarget().toString(true);
      for (InetAddress address : ts.addresses) {
        // HAProxy's mapping of the 0..65535 SRV weight onto 0..256: 0 stays 0, 1..256 becomes 1
        out.add(Endpoint.of(address, r.getPort()).withWeight((r.getWeight() + 255) / 256)
            .withPriority(r.getPriority()).withHostname(target));
      }
    }
    return out;
  }

  /** Refreshes last-seen times; drops records not seen now and not within hold-obsolete. */
  private void updateRecords(List<Endpoint> seen, long now) {
    Set<Endpoint> fresh = new LinkedHashSet<>();
    for (Endpoint e : seen) {
      if (!fresh.add(e)) {
        continue; // a duplicate in the same answer: the first one wins
      }
      Seen s = records.get(e);
      if (s == null) {
        records.put(e, new Seen(e, now));
      } else {
        s.endpoint = e;
        s.lastSeen = now;
      }
    }
    long holdObsolete = settings.holdObsolete();
    for (Iterator<Seen> it = records.values().iterator(); it.hasNext();) {
      Seen s = it.next();
      if (!fresh.contains(s.endpoint) && !(holdObsolete > 0 && now - s.lastSeen <= holdObsolete)) {
        log.debug("{}: record {} obsolete", prefix, s.endpoint);
        it.remove();
      }
    }
  }

  private long hold(DnsStatus s) {
    switch (s) {
      case VALID:
        return settings.holdValid();
      case NX:
        return settings.holdNx();
      case REFUSED:
        return settings.holdRefused();
      case TIMEOUT:
        return settings.holdTimeout();
      default:
        return settings.holdOther();
    }
  }

  private long nextDelay(Resolution res) {
    return nextDelay(settings.respectTtl() && res.status() == DnsStatus.VALID ? res.minTtl : -1,
        settings.timeoutResolve(), settings.holdValid());
  }

  /** {@code timeout-resolve}, or with {@code respect-ttl} the TTL clamped to [timeout-resolve, max(timeout-resolve, hold-valid)]. */
  static long nextDelay(long minTtlSeconds, long timeoutResolve, long holdValid) {
    if (minTtlSeconds < 0) {
      return timeoutResolve;
    }
    long ttl = TimeUnit.SECONDS.toNanos(Math.min(minTtlSeconds, Integer.MAX_VALUE));
    return Math.max(timeoutResolve, Math.min(ttl, Math.max(timeoutResolve, holdValid)));
  }

  private static final class Seen {
    Endpoint endpoint;
    long lastSeen;

    Seen(Endpoint endpoint, long lastSeen) {
      this.endpoint = endpoint;
      this.lastSeen = lastSeen;
    }
  }

  private static final class TargetState {
    List<InetAddress> addresses = List.of();
    long lastValid;

    TargetState(long now) {
      this.lastValid = now;
    }
  }
}
