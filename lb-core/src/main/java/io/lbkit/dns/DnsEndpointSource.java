package io.lbkit.dns;

import io.lbkit.core.Endpoint;
import io.lbkit.core.ServerGroup;
import io.lbkit.core.Ticker;
import io.lbkit.internal.Checks;
import io.lbkit.internal.Durations;
import io.lbkit.internal.HostPort;
import io.lbkit.option.OptionException;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Name;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * Feeds a {@link ServerGroup} from DNS with HAProxy's resolver semantics: a plain name resolves
 * to A/AAAA records ({@code resolve-prefer}), a name starting with {@code _} to SRV records
 * (target, port, weight, priority). The source owns no slots: it computes the list of endpoints
 * and hands it to {@link ServerGroup#setEndpoints}, which keeps each endpoint in its slot.
 *
 * <ul>
 *   <li>A resolution starts {@code timeout-resolve} after the previous one ended. Each try sends the
 *       query to every nameserver; silence for {@code timeout-retry} starts the next try, up to
 *       {@code resolve-retries}; then the status is TIMEOUT.
 *   <li>An error reply on the preferred family asks the other one at once; a timeout does not.
 *   <li>A failed resolution changes nothing while {@code now - lastValid < hold-<status>}. Past it,
 *       NXDOMAIN and empty answers ("scaled to zero") empty the list once each record is older
 *       than {@code hold-obsolete}; failures (timeout, REFUSED, SERVFAIL, malformed) keep the list
 *       ({@code dns-failure keep}, the default) or empty it ({@code drop}, HAProxy).
 *   <li>A valid answer keeps every record seen within {@code hold-obsolete}, so a slot keeps its
 *       address, and its cookie, across an answer that briefly misses it.
 *   <li>Replies whose ID or question do not match are ignored and counted; malformed packets are
 *       logged and counted, never thrown.
 * </ul>
 *
 * <p>Runs on {@link ServerGroup#scheduler()} without blocking it; timers read the group's
 * {@link Ticker} (or {@link Builder#ticker}). Closing the group closes the source.
 */
public final class DnsEndpointSource implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DnsEndpointSource.class);
  static final Path RESOLV_CONF = Paths.get("/etc/resolv.conf");

  private final ServerGroup group;
  private final String hostname;
  private final Name qname;
  private final boolean srv;
  private final int port;
  private final List<InetSocketAddress> nameservers;
  private final Path resolvConf;
  private final ResolvePrefer prefer;
  private final int retries;
  private final long timeoutResolve;
  private final long holdValid;
  private final long holdNx;
  private final long holdRefused;
  private final long holdTimeout;
  private final long holdOther;
  private final long holdObsolete;
  private final boolean respectTtl;
  private final DnsFailure dnsFailure;
  private final Ticker ticker;
  private final ScheduledExecutorService scheduler;
  private final Context ctx;
  private final String settings;
  private final CompletableFuture<Void> ready = new CompletableFuture<>();

  // guarded by "this"
  private final LinkedHashMap<Endpoint, Seen> records = new LinkedHashMap<>();
  private final Map<Name, TargetState> targets = new HashMap<>();
  private long lastValid;
  private DnsStatus lastStatus;
  private String lastDetail = "";
  private boolean failing;
  private boolean running;
  private CompletableFuture<DnsStatus> inFlight;
  private ScheduledFuture<?> next;
  private boolean closed;
  private String warnedResolvConf;

  private DnsEndpointSource(Builder b, ServerGroup group) {
    this.group = group;
    this.hostname = b.hostname;
    this.qname = b.qname;
    this.srv = b.srv;
    this.port = b.port;
    this.nameservers = b.nameservers;
    this.resolvConf = b.resolvConf;
    this.prefer = b.prefer;
    this.retries = b.retries;
    this.timeoutResolve = b.timeoutResolve.toNanos();
    this.holdValid = b.holdValid.toNanos();
    this.holdNx = b.holdNx.toNanos();
    this.holdRefused = b.holdRefused.toNanos();
    this.holdTimeout = b.holdTimeout.toNanos();
    this.holdOther = b.holdOther.toNanos();
    this.holdObsolete = b.holdObsolete.toNanos();
    this.respectTtl = b.respectTtl;
    this.dnsFailure = b.dnsFailure;
    this.ticker = b.ticker != null ? b.ticker : group.ticker();
    this.scheduler = group.scheduler();
    this.settings = b.toString();
    this.ctx = new Context(group.name() + "/" + hostname, scheduler, b.acceptedPayloadSize,
        b.timeoutRetry.toNanos(), retries);
    this.lastValid = ticker.read(); // HAProxy: last_valid starts when the resolution is created
  }

  /**
   * A builder for {@code target}: {@code host:port} for A/AAAA ({@code tasks.whoami:80}), or an SRV
   * name starting with {@code _} ({@code _http._tcp.whoami}) whose records give the ports.
   */
  public static Builder builder(String target) {
    String t = target == null ? "" : target.trim();
    if (t.startsWith("_")) {
      return new Builder(t, 0);
    }
    HostPort hp = HostPort.parse("dns", t, 1, -1,
        "host:port such as tasks.whoami:80, or an SRV name such as _http._tcp.whoami");
    return new Builder(hp.host(), hp.port());
  }

  /** A builder for the A/AAAA records of {@code hostname}, every endpoint on {@code port}. */
  public static Builder builder(String hostname, int port) {
    if (hostname != null && hostname.trim().startsWith("_")) {
      throw new OptionException("hostname", hostname,
          "a host name; an SRV name starting with _ carries its own ports");
    }
    return new Builder(hostname, port);
  }

  /** The name being resolved, as given. */
  public String hostname() {
    return hostname;
  }

  /** True when the name is an SRV name ({@code _service._proto.name}). */
  public boolean isSrv() {
    return srv;
  }

  public ServerGroup group() {
    return group;
  }

  /** The live counters, for the stats page. */
  public DnsCounters counters() {
    return ctx.counters;
  }

  /** The status of the last finished resolution, or null before the first one ends. */
  public synchronized DnsStatus lastStatus() {
    return lastStatus;
  }

  /** What the last finished resolution said, for logs and the stats page ({@code no reply to A x after 3 tries}); empty when VALID. */
  public synchronized String lastDetail() {
    return lastDetail;
  }

  /** True while failures past their hold are being ridden out ({@code dns-failure keep}) or have emptied the list. */
  public synchronized boolean isFailing() {
    return failing;
  }

  /** The endpoints this source currently gives the group, in first-seen order. */
  public synchronized List<Endpoint> endpoints() {
    List<Endpoint> out = new ArrayList<>(records.size());
    for (Seen s : records.values()) {
      out.add(s.endpoint);
    }
    return out;
  }

  /**
   * Completes when the first resolution has finished, whatever its status: startup never fails or
   * waits because DNS is unreachable (HAProxy's {@code init-addr none}).
   */
  public CompletableFuture<Void> whenReady() {
    return ready.copy();
  }

  /**
   * Starts a resolution now (or joins the one running) and completes with its status once the
   * group has been updated. The periodic schedule restarts from its end.
   */
  public CompletableFuture<DnsStatus> resolveNow() {
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

  /**
   * HAProxy's on-demand resolution (a health check failed at layer 4): resolves now unless the
   * last resolution was VALID less than {@code hold-valid} ago, in which case it completes at once.
   */
  public CompletableFuture<DnsStatus> triggerResolution() {
    synchronized (this) {
      if (lastStatus == DnsStatus.VALID && ticker.read() - lastValid < holdValid) {
        return CompletableFuture.completedFuture(DnsStatus.VALID);
      }
    }
    return resolveNow();
  }

  @Override
  public void close() {
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

  @Override
  public String toString() {
    return "DnsEndpointSource{" + ctx.prefix + ", " + settings + "}";
  }

  // ---- the cycle ----

  private void start() {
    log.debug("{}: DNS source started: {}", ctx.prefix, settings);
    synchronized (this) {
      submit(0);
    }
  }

  /** Schedules the next resolution; caller holds the lock. */
  private void submit(long delayNanos) {
    try {
      next = scheduler.schedule(this::runResolution, delayNanos, TimeUnit.NANOSECONDS);
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
    CompletableFuture<Result> r;
    try {
      r = srv ? resolveSrv(servers) : resolveAddresses(qname, servers).thenApply(this::addressResult);
    } catch (RuntimeException e) {
      r = CompletableFuture.failedFuture(e);
    }
    r.whenComplete((res, ex) -> {
      if (ex != null) {
        log.warn("{}: resolution failed unexpectedly", ctx.prefix, ex);
        res = Result.error(DnsAnswer.error(DnsStatus.OTHER, ex.toString()));
      }
      onResult(res);
    });
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

  private Result addressResult(DnsAnswer a) {
    if (a.status != DnsStatus.VALID) {
      return Result.error(a);
    }
    List<Endpoint> list = new ArrayList<>();
    for (InetAddress address : a.addresses) {
      list.add(Endpoint.of(address, port).withHostname(hostname));
    }
    return Result.valid(list, a.minTtl);
  }

  /** SRV, then each target from the additional section or, failing that, its own A/AAAA resolution. */
  private CompletableFuture<Result> resolveSrv(List<InetSocketAddress> servers) {
    return new DnsQuery(ctx, qname, Type.SRV, servers, new DnsQuery.Tries(retries)).start(false).thenCompose(a -> {
      if (a.status != DnsStatus.VALID) {
        return CompletableFuture.completedFuture(Result.error(a));
      }
      Map<Name, CompletableFuture<DnsAnswer>> lookups = new LinkedHashMap<>();
      for (SRVRecord r : a.srv) {
        Name target = r.getTarget();
        if (target.equals(Name.root) || lookups.containsKey(target)) {
          continue; // "." means "no service here" (RFC 2782)
        }
        List<InetAddress> extra = pickFamily(a.additional.getOrDefault(target, List.of()));
        lookups.put(target, extra.isEmpty() || isClosed() ? resolveAddresses(target, servers)
            : CompletableFuture.completedFuture(DnsAnswer.addresses(extra, a.minTtl)));
      }
      return CompletableFuture.allOf(lookups.values().toArray(new CompletableFuture<?>[0])).thenApply(v -> {
        Map<Name, DnsAnswer> done = new LinkedHashMap<>();
        lookups.forEach((n, f) -> done.put(n, f.join()));
        return Result.srv(a.srv, done, a.minTtl);
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

  private void onResult(Result res) {
    List<Endpoint> apply = null;
    CompletableFuture<DnsStatus> done;
    DnsStatus status = res.answer.status;
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
      submit(nextDelay(res)); // first: whatever happens below, the cycle goes on
      try {
        long now = ticker.read();
        ctx.counters.incResolution(status);
        lastStatus = status;
        lastDetail = res.answer.detail;
        if (status == DnsStatus.VALID) {
          lastValid = now;
          recovered(status);
          List<Endpoint> seen = res.srvRecords != null ? srvEndpoints(res, now) : res.endpoints;
          updateRecords(seen, now);
          apply = endpoints();
        } else {
          long hold = hold(status);
          long held = now - lastValid;
          if (held < hold) {
            log.debug("{}: {} ({}), {} of {} held: nothing changes", ctx.prefix, status.key(), res.answer.detail,
                Durations.format(Duration.ofNanos(held)), status.holdKey());
          } else if (status.isNegativeAnswer()) {
            recovered(status);
            updateRecords(List.of(), now);
            apply = endpoints();
            if (!apply.isEmpty()) {
              log.info("{}: {} for longer than {}; {} record(s) kept by hold-obsolete", ctx.prefix, status.key(),
                  status.holdKey(), apply.size());
            }
          } else if (dnsFailure == DnsFailure.KEEP) {
            if (!failing) {
              failing = true;
              log.warn("{}: DNS {} ({}) for longer than {} ({}); keeping the last {} known server(s) until DNS"
                  + " answers again (dns-failure keep)", ctx.prefix, status.key(), res.answer.detail, status.holdKey(),
                  Durations.format(Duration.ofNanos(hold)), records.size());
            }
          } else {
            if (!failing) {
              failing = true;
              log.warn("{}: DNS {} ({}) for longer than {} ({}); all servers go to MAINT until DNS answers again"
                  + " (dns-failure drop)", ctx.prefix, status.key(), res.answer.detail, status.holdKey(),
                  Durations.format(Duration.ofNanos(hold)));
            }
            records.clear(); // as HAProxy detaches every slot: the next valid answer assigns from scratch
            targets.clear();
            apply = List.of();
          }
        }
      } catch (RuntimeException e) { // hostile input or a bug: log it, keep the list, keep resolving
        log.warn("{}: handling the DNS result {} failed", ctx.prefix, res.answer, e);
        apply = null;
      }
    }
    try {
      if (apply != null) {
        // lower SRV priorities first, so when records outnumber slots the backups are the ones left out
        List<Endpoint> sorted = new ArrayList<>(apply);
        sorted.sort(Comparator.comparingInt(Endpoint::priority));
        group.setEndpoints(sorted);
      }
    } catch (RuntimeException e) { // never leave a caller of resolveNow() waiting
      log.warn("{}: updating the group failed", ctx.prefix, e);
    } finally {
      if (done != null) {
        done.complete(status);
      }
      ready.complete(null);
    }
  }

  private void recovered(DnsStatus status) {
    if (failing) {
      failing = false;
      log.warn("{}: DNS resolution recovered ({})", ctx.prefix, status.key());
    }
  }

  /** SRV endpoints, with each target's addresses held by its own status (HAProxy resolves targets per slot). */
  private List<Endpoint> srvEndpoints(Result res, long now) {
    targets.keySet().retainAll(res.targets.keySet());
    for (Map.Entry<Name, DnsAnswer> e : res.targets.entrySet()) {
      TargetState ts = targets.computeIfAbsent(e.getKey(), n -> new TargetState(now));
      DnsAnswer a = e.getValue();
      if (a.status == DnsStatus.VALID) {
        ts.addresses = a.addresses;
        ts.lastValid = now;
      } else if (now - ts.lastValid >= hold(a.status)
          && (a.status.isNegativeAnswer() || dnsFailure == DnsFailure.DROP)) {
        ts.addresses = List.of();
      } else {
        log.debug("{}: SRV target {}: {}, keeping {}", ctx.prefix, e.getKey(), a, ts.addresses);
      }
    }
    List<Endpoint> out = new ArrayList<>();
    for (SRVRecord r : res.srvRecords) {
      TargetState ts = targets.get(r.getTarget());
      if (ts == null) {
        continue;
      }
      if (r.getPort() == 0) {
        log.warn("{}: SRV record {} has port 0; ignored", ctx.prefix, r);
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
    for (Iterator<Seen> it = records.values().iterator(); it.hasNext();) {
      Seen s = it.next();
      if (!fresh.contains(s.endpoint) && !(holdObsolete > 0 && now - s.lastSeen <= holdObsolete)) {
        log.debug("{}: record {} obsolete", ctx.prefix, s.endpoint);
        it.remove();
      }
    }
  }

  private long hold(DnsStatus s) {
    switch (s) {
      case VALID:
        return holdValid;
      case NX:
        return holdNx;
      case REFUSED:
        return holdRefused;
      case TIMEOUT:
        return holdTimeout;
      default:
        return holdOther;
    }
  }

  private long nextDelay(Result res) {
    return nextDelay(respectTtl && res.answer.status == DnsStatus.VALID ? res.minTtl : -1, timeoutResolve, holdValid);
  }

  /** {@code timeout-resolve}, or with {@code respect-ttl} the TTL clamped to [timeout-resolve, max(timeout-resolve, hold-valid)]. */
  static long nextDelay(long minTtlSeconds, long timeoutResolve, long holdValid) {
    if (minTtlSeconds < 0) {
      return timeoutResolve;
    }
    long ttl = TimeUnit.SECONDS.toNanos(Math.min(minTtlSeconds, Integer.MAX_VALUE));
    return Math.max(timeoutResolve, Math.min(ttl, Math.max(timeoutResolve, holdValid)));
  }

  private synchronized boolean isClosed() {
    return closed;
  }

  /** What one resolution produced. */
  private static final class Result {
    final DnsAnswer answer;
    final List<Endpoint> endpoints;
    final List<SRVRecord> srvRecords;
    final Map<Name, DnsAnswer> targets;
    final long minTtl;

    private Result(DnsAnswer answer, List<Endpoint> endpoints, List<SRVRecord> srvRecords,
        Map<Name, DnsAnswer> targets, long minTtl) {
      this.answer = answer;
      this.endpoints = endpoints;
      this.srvRecords = srvRecords;
      this.targets = targets;
      this.minTtl = minTtl;
    }

    static Result error(DnsAnswer a) {
      return new Result(a, List.of(), null, Map.of(), -1);
    }

    static Result valid(List<Endpoint> endpoints, long minTtl) {
      return new Result(DnsAnswer.addresses(List.of(), minTtl), endpoints, null, Map.of(), minTtl);
    }

    static Result srv(List<SRVRecord> records, Map<Name, DnsAnswer> targets, long minTtl) {
      return new Result(DnsAnswer.addresses(List.of(), minTtl), List.of(), records, targets, minTtl);
    }
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

  /** What the queries of one source share: scheduler, settings, counters, the open queries. */
  static final class Context {
    final String prefix;
    final ScheduledExecutorService scheduler;
    final int payloadSize;
    final long timeoutRetryNanos;
    final int retries;
    final DnsCounters counters = new DnsCounters();
    final SecureRandom random = new SecureRandom(); // unpredictable IDs; the OS randomizes source ports
    private final Set<DnsQuery> open = new HashSet<>();
    private boolean closed;

    Context(String prefix, ScheduledExecutorService scheduler, int payloadSize, long timeoutRetryNanos, int retries) {
      this.prefix = prefix;
      this.scheduler = scheduler;
      this.payloadSize = payloadSize;
      this.timeoutRetryNanos = timeoutRetryNanos;
      this.retries = retries;
    }

    synchronized boolean register(DnsQuery q) {
      return !closed && open.add(q);
    }

    synchronized void unregister(DnsQuery q) {
      open.remove(q);
    }

    synchronized List<DnsQuery> drain() {
      closed = true;
      List<DnsQuery> all = new ArrayList<>(open);
      open.clear();
      return all;
    }
  }

  /**
   * Builds a {@link DnsEndpointSource}. Defaults are HAProxy's. Every setter validates at once, with
   * messages of the form {@code hold-valid: -1s (expected: >= 0)}; {@link #set(String, String)}
   * takes the same settings by their configuration names.
   */
  public static final class Builder {
    private final String hostname;
    private final Name qname;
    private final boolean srv;
    private final int port;
    private List<InetSocketAddress> nameservers;
    private Path resolvConf = RESOLV_CONF;
    private ResolvePrefer prefer = ResolvePrefer.IPV6;
    private int retries = 3;
    private Duration timeoutResolve = Duration.ofSeconds(1);
    private Duration timeoutRetry = Duration.ofSeconds(1);
    private Duration holdValid = Duration.ofSeconds(10);
    private Duration holdNx = Duration.ofSeconds(30);
    private Duration holdRefused = Duration.ofSeconds(30);
    private Duration holdTimeout = Duration.ofSeconds(30);
    private Duration holdOther = Duration.ofSeconds(30);
    private Duration holdObsolete = Duration.ZERO;
    private int acceptedPayloadSize = 512;
    private boolean respectTtl;
    private DnsFailure dnsFailure = DnsFailure.KEEP;
    private Ticker ticker;

    private Builder(String hostname, int port) {
      String h = hostname == null ? "" : hostname.trim();
      if (h.isEmpty()) {
        throw new OptionException("hostname", hostname, "a DNS name such as tasks.whoami");
      }
      try {
        this.qname = Name.fromString(h, Name.root);
      } catch (TextParseException e) {
        throw new OptionException("hostname", hostname, "'" + hostname + "'", "a DNS name such as tasks.whoami", e);
      }
      this.hostname = h;
      this.srv = h.startsWith("_");
      this.port = srv ? 0 : Checks.range("port", port, 1, 65535);
    }

    /**
     * The nameservers, {@code ip[:port]} (port 53 by default, {@code [v6]:port} for IPv6); each item may
     * itself be a comma-separated list. All are asked; the first valid reply wins. Default: the
     * {@code nameserver} lines of {@code /etc/resolv.conf}, re-read on every resolution.
     */
    public Builder nameserver(String... hostPorts) {
      List<InetSocketAddress> list = new ArrayList<>();
      for (String hp : hostPorts) {
        list.addAll(Nameservers.parseList(hp));
      }
      if (list.isEmpty()) {
        throw new OptionException("nameserver", Arrays.toString(hostPorts), "ip[:port][,ip[:port]...]");
      }
      this.nameservers = List.copyOf(list);
      return this;
    }

    /** The resolv.conf file read on every resolution when no {@code nameserver} is set (default /etc/resolv.conf). */
    public Builder resolvConf(Path file) {
      this.resolvConf = Checks.notNull("resolv-conf", file);
      return this;
    }

    /** Which family to ask first ({@code resolve-prefer}, default ipv6 as HAProxy). */
    public Builder resolvePrefer(ResolvePrefer prefer) {
      this.prefer = Checks.notNull("resolve-prefer", prefer);
      return this;
    }

    /** Send rounds per resolution before TIMEOUT ({@code resolve-retries}, default 3). */
    public Builder resolveRetries(int retries) {
      this.retries = DnsOptions.RESOLVE_RETRIES.check(retries);
      return this;
    }

    /** Time from the end of a resolution to the start of the next ({@code timeout-resolve}, default 1s). */
    public Builder timeoutResolve(Duration d) {
      this.timeoutResolve = DnsOptions.TIMEOUT_RESOLVE.check(d);
      return this;
    }

    /** Time to wait for a reply before the next try ({@code timeout-retry}, default 1s). */
    public Builder timeoutRetry(Duration d) {
      this.timeoutRetry = DnsOptions.TIMEOUT_RETRY.check(d);
      return this;
    }

    /**
     * How long a VALID result may be reused by {@link #triggerResolution()} ({@code hold-valid},
     * default 10s); also the cap of the refresh interval with {@code respect-ttl}. Not the polling interval.
     */
    public Builder holdValid(Duration d) {
      this.holdValid = DnsOptions.HOLD_VALID.check(d);
      return this;
    }

    /** How long after the last valid answer NXDOMAIN changes nothing ({@code hold-nx}, default 30s). */
    public Builder holdNx(Duration d) {
      this.holdNx = DnsOptions.HOLD_NX.check(d);
      return this;
    }

    /** The same for REFUSED ({@code hold-refused}, default 30s). */
    public Builder holdRefused(Duration d) {
      this.holdRefused = DnsOptions.HOLD_REFUSED.check(d);
      return this;
    }

    /** The same for no reply at all ({@code hold-timeout}, default 30s). */
    public Builder holdTimeout(Duration d) {
      this.holdTimeout = DnsOptions.HOLD_TIMEOUT.check(d);
      return this;
    }

    /** The same for SERVFAIL, empty answers, malformed replies, other RCODEs ({@code hold-other}, default 30s). */
    public Builder holdOther(Duration d) {
      this.holdOther = DnsOptions.HOLD_OTHER.check(d);
      return this;
    }

    /**
     * How long a record missing from valid answers keeps its slot ({@code hold-obsolete}, default 0:
     * it goes with the first answer that lacks it).
     */
    public Builder holdObsolete(Duration d) {
      this.holdObsolete = DnsOptions.HOLD_OBSOLETE.check(d);
      return this;
    }

    /**
     * The EDNS0 payload size announced in queries; longer UDP replies are dropped
     * ({@code accepted-payload-size}, 12..65535, default 512).
     */
    public Builder acceptedPayloadSize(int size) {
      this.acceptedPayloadSize = DnsOptions.ACCEPTED_PAYLOAD_SIZE.check(size);
      return this;
    }

    /**
     * After a valid answer, wait for the smallest record TTL before the next resolution, at least
     * {@code timeout-resolve} and at most {@code max(timeout-resolve, hold-valid)} ({@code respect-ttl},
     * default false: poll every {@code timeout-resolve} as HAProxy).
     */
    public Builder respectTtl(boolean respectTtl) {
      this.respectTtl = respectTtl;
      return this;
    }

    /** What a DNS failure past its hold does ({@code dns-failure}, default keep). */
    public Builder dnsFailure(DnsFailure mode) {
      this.dnsFailure = Checks.notNull("dns-failure", mode);
      return this;
    }

    /** The time source of the hold timers; default the group's ticker. */
    public Builder ticker(Ticker ticker) {
      this.ticker = Checks.notNull("ticker", ticker);
      return this;
    }

    /**
     * Sets an option by its configuration name, as servlet init-params and CLI flags spell it
     * ({@link DnsOptions}: {@code nameserver}, {@code hold-valid}, ...).
     *
     * @throws io.lbkit.option.OptionException for an unknown key or a bad value, naming both
     */
    public Builder set(String key, String value) {
      return DnsOptions.ALL.set(this, key, value);
    }

    /** {@link #set(String, String)} for every entry whose key is a DNS option; other keys are left alone. */
    public Builder setAll(Map<String, String> options) {
      return DnsOptions.ALL.setAll(this, options);
    }

    /**
     * Creates the source, attaches it to {@code group} (closing the group closes it) and starts the
     * first resolution at once on the group's scheduler. Never blocks and never fails because DNS is
     * unreachable.
     */
    public DnsEndpointSource build(ServerGroup group) {
      Objects.requireNonNull(group, "group");
      DnsEndpointSource source = new DnsEndpointSource(this, group);
      group.attach(source);
      source.start();
      return source;
    }

    /** The settings, as configuration names and values. */
    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder();
      sb.append(srv ? "srv " + hostname : hostname + ":" + port);
      sb.append(", nameserver ");
      if (nameservers == null) {
        sb.append(resolvConf);
      } else {
        for (int i = 0; i < nameservers.size(); i++) {
          sb.append(i == 0 ? "" : ",").append(Nameservers.format(nameservers.get(i)));
        }
      }
      sb.append(", resolve-prefer ").append(prefer)
          .append(", resolve-retries ").append(retries)
          .append(", timeout-resolve ").append(Durations.format(timeoutResolve))
          .append(", timeout-retry ").append(Durations.format(timeoutRetry))
          .append(", hold-valid ").append(Durations.format(holdValid))
          .append(", hold-nx ").append(Durations.format(holdNx))
          .append(", hold-refused ").append(Durations.format(holdRefused))
          .append(", hold-timeout ").append(Durations.format(holdTimeout))
          .append(", hold-other ").append(Durations.format(holdOther))
          .append(", hold-obsolete ").append(Durations.format(holdObsolete))
          .append(", accepted-payload-size ").append(acceptedPayloadSize)
          .append(", respect-ttl ").append(respectTtl)
          .append(", dns-failure ").append(dnsFailure);
      return sb.toString();
    }
  }
}
