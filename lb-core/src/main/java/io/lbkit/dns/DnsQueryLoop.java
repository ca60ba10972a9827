package io.lbkit.dns;

import io.lbkit.core.Endpoint;
import io.lbkit.core.ServerGroup;
import io.lbkit.core.Ticker;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Name;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Type;

/**
 * The query loop of one DNS source: schedules resolutions on the group's scheduler, runs each one
 * (A/AAAA with {@code resolve-prefer}, or SRV then its targets) over {@link DnsQuery}s, hands the
 * {@link Resolution} to the {@link DnsPolicy} and applies the decision to the group. It decides
 * nothing about records or holds; the policy decides nothing about sockets or scheduling.
 */
final class DnsQueryLoop {
  private static final Logger log = LoggerFactory.getLogger(DnsEndpointSource.class);

  private final ServerGroup group;
  private final String hostname;
  private final Name qname;
  private final boolean srv;
  private final int port;
  private final List<InetSocketAddress> nameservers; // null: read resolvConf on every resolution
  private final Path resolvConf;
  private final ResolvePrefer prefer;
  private final int retries;
  private final int maxTargets;
  private final DnsPolicy policy;
  private final Ticker ticker; // the policy's time: the hold timers
  private final QueryContext ctx;
  private final CompletableFuture<Void> ready = new CompletableFuture<>();

  // guarded by "this"
  private boolean running;
  private CompletableFuture<DnsStatus> inFlight;
  private ScheduledFuture<?> next;
  private boolean closed;
  private String warnedResolvConf;

  DnsQueryLoop(ServerGroup group, String hostname, Name qname, int port, List<InetSocketAddress> nameservers,
      Path resolvConf, ResolvePrefer prefer, int retries, int maxTargets, DnsPolicy policy, Ticker ticker,
      QueryContext ctx) {
    this.group = group;
    this.hostname = hostname;
    this.qname = qname;
    this.srv = port == 0;
    this.port = port;
    this.nameservers = nameservers;
    this.resolvConf = resolvConf;
    this.prefer = prefer;
    this.retries = retries;
    this.maxTargets = maxTargets;
    this.policy = policy;
    this.ticker = ticker;
    this.ctx = ctx;
  }

  DnsCounters counters() {
    return ctx.counters;
  }

  CompletableFuture<Void> whenReady() {
    return ready.copy();
  }

  synchronized void start() {
    submit(0);
  }

  CompletableFuture<DnsStatus> resolveNow() {
    CompletableFuture<DnsStatus> f;
    synchronized (this) {
      if (closed) {
        return CompletableFuture.failedFuture(new CancellationException("closed"));
      }
      if (inFlight == null) {
        inFlight = new CompletableFuture<>();
        if (next != null) {
          next.cancel(false);
        }
        submit(0);
      }
      f = inFlight;
    }
    return f.copy();
  }

  CompletableFuture<DnsStatus> triggerResolution() {
    if (policy.freshWithinHoldValid(ticker.read())) {
      return CompletableFuture.completedFuture(DnsStatus.VALID);
    }
    return resolveNow();
  }

  void close() {
    List<DnsQuery> queries;
    CompletableFuture<DnsStatus> pending;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      if (next != null) {
        next.cancel(false);
      }
      queries = ctx.drain();
      pending = inFlight;
      inFlight = null;
    }
    for (DnsQuery q : queries) {
      q.close();
    }
    if (pending != null) {
      pending.completeExceptionally(new CancellationException("closed"));
    }
    ready.complete(null);
  }

  /** Schedules the next resolution; caller holds the lock. */
  private void submit(long delayNanos) {
    try {
      next = ctx.scheduler.schedule(this::runResolution, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      log.debug("{}: scheduler shut down; no more resolutions", ctx.prefix);
    }
  }

  private void runResolution() {
    List<InetSocketAddress> servers;
    synchronized (this) {
      if (closed || running) {
        return;
      }
      running = true;
      if (inFlight == null) {
        inFlight = new CompletableFuture<>();
      }
      servers = currentNameservers();
    }
    CompletableFuture<Resolution> r;
    try {
      r = srv ? resolveSrv(servers) : resolveAddresses(qname, servers).thenApply(this::addressResolution);
    } catch (RuntimeException e) {
      r = CompletableFuture.failedFuture(e);
    }
    r.whenComplete((res, ex) -> {
      if (ex != null) {
        log.warn("{}: resolution failed unexpectedly", ctx.prefix, ex);
        res = Resolution.error(DnsAnswer.error(DnsStatus.OTHER, ex.toString()));
      }
      onResolution(res);
    });
  }

  private void onResolution(Resolution res) {
    DnsPolicy.Decision decision;
    CompletableFuture<DnsStatus> done;
    synchronized (this) {
      if (closed) {
        return;
      }
      running = false;
      done = inFlight;
      inFlight = null;
      if (next != null) {
        next.cancel(false);
      }
      long now = ticker.read();
      ctx.counters.incResolution(res.status());
      decision = policy.onResolution(res, now);
      submit(decision.nextQueryAt() - now);
    }
    try {
      if (decision.endpoints() != null) {
        group.setEndpoints(decision.endpoints());
      }
    } catch (RuntimeException e) { // never leave a caller of resolveNow() waiting
      log.warn("{}: updating the group failed", ctx.prefix, e);
    } finally {
      if (done != null) {
        done.complete(res.status());
      }
      ready.complete(null);
    }
  }

  /** The configured nameservers, or those of resolv.conf read now (a moved DNS server is picked up). */
  synchronized List<InetSocketAddress> currentNameservers() {
    if (nameservers != null) {
      return nameservers;
    }
    String problem;
    try {
      List<InetSocketAddress> list = Nameservers.fromResolvConf(resolvConf);
      if (!list.isEmpty()) {
        warnedResolvConf = null;
        return list;
      }
      problem = "no nameserver line";
    } catch (IOException e) {
      problem = e.toString();
    }
    if (!problem.equals(warnedResolvConf)) {
      warnedResolvConf = problem;
      log.warn("{}: {}: {}; using 127.0.0.1:53 as the C library does", ctx.prefix, resolvConf, problem);
    }
    return List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), Nameservers.DNS_PORT));
  }

  /** A/AAAA with {@code resolve-prefer}: the other family at once after an error reply, never after a timeout. */
  private CompletableFuture<DnsAnswer> resolveAddresses(Name name, List<InetSocketAddress> servers) {
    if (prefer == ResolvePrefer.BOTH) {
      CompletableFuture<DnsAnswer> v4 = new DnsQuery(ctx, name, Type.A, servers, new DnsQuery.Tries(retries)).start(false);
      CompletableFuture<DnsAnswer> v6 =
          new DnsQuery(ctx, name, Type.AAAA, servers, new DnsQuery.Tries(retries)).start(false);
      return v4.thenCombine(v6, (a4, a6) -> {
        if (a4.status != DnsStatus.VALID && a6.status != DnsStatus.VALID) {
          return a4;
        }
        List<InetAddress> all = new ArrayList<>(a4.addresses);
        all.addAll(a6.addresses);
        long ttl = Math.min(a4.minTtl < 0 ? Long.MAX_VALUE : a4.minTtl, a6.minTtl < 0 ? Long.MAX_VALUE : a6.minTtl);
        return DnsAnswer.addresses(all, ttl);
      });
    }
    int first = prefer == ResolvePrefer.IPV6 ? Type.AAAA : Type.A;
    int other = first == Type.AAAA ? Type.A : Type.AAAA;
    DnsQuery.Tries tries = new DnsQuery.Tries(retries);
    return new DnsQuery(ctx, name, first, servers, tries).start(false).thenCompose(a -> {
      if (a.status == DnsStatus.VALID || a.status == DnsStatus.TIMEOUT || isClosed()) {
        return CompletableFuture.completedFuture(a);
      }
      log.debug("{}: {} {}: {}; asking {} at once", ctx.prefix, Type.string(first), name, a, Type.string(other));
      return new DnsQuery(ctx, name, other, servers, tries).start(true);
    });
  }

  private Resolution addressResolution(DnsAnswer a) {
    if (a.status != DnsStatus.VALID) {
      return Resolution.error(a);
    }
    List<Endpoint> list = new ArrayList<>();
    for (InetAddress address : a.addresses) {
      list.add(Endpoint.of(address, port).withHostname(hostname));
    }
    return Resolution.valid(list, a.minTtl);
  }

  /**
   * SRV, then each target from the additional section or, failing that, its own A/AAAA resolution.
   * At most {@code maxTargets} targets are looked up (lowest priorities first), so a huge answer
   * cannot open thousands of sockets for servers the group would ignore anyway.
   */
  private CompletableFuture<Resolution> resolveSrv(List<InetSocketAddress> servers) {
    return new DnsQuery(ctx, qname, Type.SRV, servers, new DnsQuery.Tries(retries)).start(false).thenCompose(a -> {
      if (a.status != DnsStatus.VALID) {
        return CompletableFuture.completedFuture(Resolution.error(a));
      }
      List<SRVRecord> records = new ArrayList<>(a.srv);
      records.sort((x, y) -> Integer.compare(x.getPriority(), y.getPriority())); // stable: answer order within one
      Map<Name, CompletableFuture<DnsAnswer>> lookups = new LinkedHashMap<>();
      int skipped = 0;
      for (SRVRecord r : records) {
        Name target = r.getTarget();
        if (target.equals(Name.root) || lookups.containsKey(target)) {
          continue; // "." means "no service here" (RFC 2782)
        }
        List<InetAddress> extra = pickFamily(a.additional.getOrDefault(target, List.of()));
        if (extra.isEmpty() && lookups.size() >= maxTargets) {
          skipped++;
          continue;
        }
        lookups.put(target, extra.isEmpty() || isClosed() ? resolveAddresses(target, servers)
            : CompletableFuture.completedFuture(DnsAnswer.addresses(extra, a.minTtl)));
      }
      if (skipped > 0) {
        log.debug("{}: {} SRV target(s) not looked up: the group takes at most {} servers", ctx.prefix, skipped,
            maxTargets);
      }
      return CompletableFuture.allOf(lookups.values().toArray(new CompletableFuture<?>[0])).thenApply(v -> {
        Map<Name, DnsAnswer> done = new LinkedHashMap<>();
        lookups.forEach((n, f) -> done.put(n, f.join()));
        return Resolution.srv(a.srv, done, a.minTtl);
      });
    });
  }

  /** From additional records: the preferred family if present, else the other (both with {@code both}). */
  private List<InetAddress> pickFamily(List<InetAddress> all) {
    if (prefer == ResolvePrefer.BOTH || all.isEmpty()) {
      return all;
    }
    List<InetAddress> preferred = new ArrayList<>();
    for (InetAddress a : all) {
      if ((a instanceof Inet6Address) == (prefer == ResolvePrefer.IPV6)) {
        preferred.add(a);
      }
    }
    return preferred.isEmpty() ? all : preferred;
  }

  private synchronized boolean isClosed() {
    return closed;
  }
}
