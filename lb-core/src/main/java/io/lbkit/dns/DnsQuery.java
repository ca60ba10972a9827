package io.lbkit.dns;

import io.lbkit.core.Ticker;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * One DNS query (name, type) sent to every nameserver, with HAProxy's retries: a send round per
 * try, {@code timeout-retry} between rounds, the first valid reply wins, errors count once every
 * nameserver has answered. A truncated UDP reply is asked again over TCP.
 *
 * <p>All I/O is non-blocking and polled from the scheduler with a short backoff (1 to 16 ms), so
 * no scheduler thread ever blocks on the network and no thread is added. Polls of one query never
 * overlap: each schedules the next.
 */
final class DnsQuery {
  private static final Logger log = LoggerFactory.getLogger(DnsEndpointSource.class);
  private static final int MAX_POLL_MS = 16;

  /** A resolution's remaining send rounds, shared by a query and its family fallback. */
  static final class Tries {
    int left;

    Tries(int left) {
      this.left = left;
    }
  }

  private final QueryContext ctx;
  private final Name name;
  private final int type;
  private final int id;
  private final byte[] wire;
  private final Tries tries;
  private final Target[] targets;
  private final ByteBuffer buffer; // accepted-payload-size + 1: a longer datagram shows as too big
  private final CompletableFuture<DnsAnswer> result = new CompletableFuture<>();
  private DnsAnswer lastError;
  private long deadline;
  private int pollMs;
  private boolean warnedSpoof;

  /** One nameserver's side of the query. */
  private static final class Target {
    final InetSocketAddress address;
    DatagramChannel udp;
    Tcp tcp;
    boolean done;

    Target(InetSocketAddress address) {
      this.address = address;
    }
  }

  DnsQuery(QueryContext ctx, Name name, int type, List<InetSocketAddress> nameservers, Tries tries) {
    this.ctx = ctx;
    this.name = name;
    this.type = type;
    this.tries = tries;
    this.id = ctx.random.nextInt(0x10000);
    this.buffer = ByteBuffer.allocate(ctx.payloadSize + 1);
    Message q = Message.newQuery(Record.newRecord(name, type, DClass.IN));
    q.getHeader().setID(id);
    q.addRecord(new OPTRecord(ctx.payloadSize, 0, 0), Section.ADDITIONAL);
    this.wire = q.toWire();
    this.targets = new Target[nameservers.size()];
    for (int i = 0; i < targets.length; i++) {
      targets[i] = new Target(nameservers.get(i));
    }
  }

  /**
   * Sends the first round. {@code free}: this round spends no try (HAProxy's switch to the other
   * address family after an error reply).
   */
  CompletableFuture<DnsAnswer> start(boolean free) {
    if (!ctx.register(this)) {
      result.complete(DnsAnswer.error(DnsStatus.OTHER, "closed"));
      return result;
    }
    for (Target t : targets) {
      try {
        t.udp = DatagramChannel.open();
        t.udp.configureBlocking(false);
        t.udp.connect(t.address); // only the nameserver's address and port can reach this socket
      } catch (IOException | RuntimeException e) {
        log.warn("{}: cannot open a UDP socket to nameserver {}: {}", ctx.prefix, Nameservers.format(t.address),
            e.toString());
        closeQuietly(t);
        t.done = true;
        lastError = DnsAnswer.error(DnsStatus.OTHER, "socket: " + e.getMessage());
      }
    }
    if (free) {
      tries.left++;
    }
    sendRound();
    return result;
  }

  /** Closes the sockets; a pending result completes as OTHER ("closed"). */
  void close() {
    finish(DnsAnswer.error(DnsStatus.OTHER, "closed"));
  }

  private void sendRound() {
    if (allDone()) {
      finish(lastError);
      return;
    }
    if (tries.left <= 0) {
      ctx.counters.incAnswer(DnsStatus.TIMEOUT);
      finish(lastError != null ? lastError : DnsAnswer.error(DnsStatus.TIMEOUT,
          "no reply to " + Type.string(type) + " " + name + " after " + ctx.retries + " tries"));
      return;
    }
    tries.left--;
    for (Target t : targets) {
      if (t.done || t.tcp != null || t.udp == null) {
        continue;
      }
      try {
        t.udp.write(ByteBuffer.wrap(wire));
        ctx.counters.incQuery();
      } catch (PortUnreachableException e) {
        ctx.counters.incQuery(); // an earlier datagram bounced; this one is treated as sent and lost
      } catch (IOException e) {
        log.debug("{}: send to {} failed: {}", ctx.prefix, Nameservers.format(t.address), e.toString());
      }
    }
    deadline = ctx.clock.read() + ctx.timeoutRetryNanos;
    pollMs = 1;
    schedulePoll();
  }

  private void schedulePoll() {
    long wait = Math.max(0, Math.min(TimeUnit.MILLISECONDS.toNanos(pollMs), deadline - ctx.clock.read()));
    pollMs = Math.min(pollMs * 2, MAX_POLL_MS);
    try {
      ctx.scheduler.schedule(this::poll, wait, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      close();
    }
  }

  private void poll() {
    if (result.isDone()) {
      return;
    }
    try {
      for (int i = 0; i < targets.length && !result.isDone(); i++) {
        Target t = targets[i];
        if (!t.done && t.udp != null && t.tcp == null) {
          receiveUdp(t);
        }
        if (!t.done && t.tcp != null) {
          pollTcp(t);
        }
      }
    } catch (RuntimeException e) { // a bug must not leave the resolution hanging
      log.warn("{}: DNS query failed unexpectedly", ctx.prefix, e);
      finish(DnsAnswer.error(DnsStatus.OTHER, e.toString()));
    }
    if (result.isDone()) {
      return;
    }
    if (allDone()) {
      finish(lastError);
      return;
    }
    boolean waitingUdp = false;
    for (Target t : targets) {
      waitingUdp |= !t.done && t.tcp == null;
    }
    if (waitingUdp && ctx.clock.read() - deadline >= 0) {
      sendRound();
    } else {
      if (!waitingUdp) {
        deadline = Long.MAX_VALUE; // only TCP exchanges left; each has its own deadline
        for (Target t : targets) {
          if (t.tcp != null && !t.done) {
            deadline = Math.min(deadline, t.tcp.deadline);
          }
        }
      }
      schedulePoll();
    }
  }

  private void receiveUdp(Target t) {
    // bounded per poll: a flood of forged datagrams cannot keep the scheduler thread busy
    for (int reads = 0; reads < 64 && !t.done && !result.isDone(); reads++) {
      buffer.clear();
      int n;
      try {
        n = t.udp.read(buffer);
      } catch (PortUnreachableException e) {
        continue; // ICMP for an earlier datagram: nothing listens there (yet); keep waiting
      } catch (IOException e) {
        return;
      }
      if (n <= 0) {
        return;
      }
      handle(t, Arrays.copyOf(buffer.array(), n), false);
    }
  }

  private void pollTcp(Target t) {
    byte[] reply;
    try {
      reply = t.tcp.poll();
    } catch (IOException e) {
      t.tcp.close();
      error(t, DnsAnswer.error(DnsStatus.OTHER, "truncated over UDP and TCP failed: " + e));
      return;
    }
    if (reply != null) {
      t.tcp.close();
      handle(t, reply, true);
      if (!t.done && !result.isDone()) {
        error(t, DnsAnswer.error(DnsStatus.OTHER, "no usable TCP reply after a truncated UDP one"));
      }
    }
  }

  private void handle(Target t, byte[] data, boolean viaTcp) {
    String from = Nameservers.format(t.address);
    if (!viaTcp && data.length > ctx.payloadSize) { // the read stopped one byte past the limit
      ctx.counters.incTooBig();
      log.debug("{}: dropped a {}-byte reply from {} (accepted-payload-size {})", ctx.prefix, data.length, from,
          ctx.payloadSize);
      return;
    }
    if (data.length < 12) {
      ctx.counters.incMalformed();
      log.warn("{}: ignored a malformed {}-byte packet from {} (shorter than a DNS header)", ctx.prefix,
          data.length, from);
      return;
    }
    int rid = ((data[0] & 0xff) << 8) | (data[1] & 0xff);
    if (rid != id) {
      spoofed(from, "ID " + rid + " instead of " + id);
      return;
    }
    Message m;
    try {
      m = new Message(data);
    } catch (IOException | RuntimeException e) {
      ctx.counters.incMalformed();
      ctx.counters.incAnswer(DnsStatus.MALFORMED);
      log.warn("{}: malformed reply from {} to {} {}: {}", ctx.prefix, from, Type.string(type), name, e.toString());
      error(t, DnsAnswer.error(DnsStatus.MALFORMED, "malformed reply: " + e.getMessage()));
      return;
    }
    Record q = m.getQuestion();
    if (!m.getHeader().getFlag(Flags.QR) || m.getHeader().getCount(Section.QUESTION) != 1 || q == null
        || !q.getName().equals(name) || q.getType() != type || q.getDClass() != DClass.IN) {
      spoofed(from, "question " + (q == null ? "none" : Type.string(q.getType()) + " " + q.getName()));
      return;
    }
    if (m.getHeader().getFlag(Flags.TC)) {
      ctx.counters.incTruncated();
      if (viaTcp) {
        error(t, DnsAnswer.error(DnsStatus.OTHER, "truncated reply over TCP"));
        return;
      }
      log.debug("{}: truncated UDP reply from {}, asking again over TCP", ctx.prefix, from);
      try {
        t.tcp = new Tcp(t.address, wire, ctx.clock, ctx.clock.read() + ctx.timeoutRetryNanos);
        ctx.counters.incTcpQuery();
      } catch (IOException e) {
        error(t, DnsAnswer.error(DnsStatus.OTHER, "truncated over UDP and TCP failed: " + e));
      }
      return;
    }
    DnsAnswer a = DnsAnswer.classify(m, name, type);
    ctx.counters.incAnswer(a.status);
    if (a.status == DnsStatus.VALID) {
      finish(a);
    } else {
      log.debug("{}: {} {} from {}: {}", ctx.prefix, Type.string(type), name, from, a);
      error(t, a);
    }
  }

  private void spoofed(String from, String what) {
    ctx.counters.incSpoofed();
    if (!warnedSpoof) { // once per query: a flood must not flood the log
      warnedSpoof = true;
      log.warn("{}: ignored a reply from {} to {} {} that does not match the query ({})", ctx.prefix, from,
          Type.string(type), name, what);
    }
  }

  private void error(Target t, DnsAnswer a) {
    t.done = true;
    closeQuietly(t);
    lastError = a;
    if (allDone()) {
      finish(a);
    }
  }

  private boolean allDone() {
    for (Target t : targets) {
      if (!t.done) {
        return false;
      }
    }
    return true;
  }

  private void finish(DnsAnswer a) {
    if (result.isDone()) {
      return;
    }
    for (Target t : targets) {
      closeQuietly(t);
    }
    ctx.unregister(this);
    result.complete(a == null ? DnsAnswer.error(DnsStatus.OTHER, "no nameserver") : a);
  }

  private static void closeQuietly(Target t) {
    if (t.udp != null) {
      try {
        t.udp.close();
      } catch (IOException ignored) {
        // nothing to do
      }
    }
    if (t.tcp != null) {
      t.tcp.close();
    }
  }

  /** A non-blocking DNS-over-TCP exchange: connect, write the length-prefixed query, read one reply. */
  private static final class Tcp {
    final long deadline;
    private final Ticker clock;
    private final SocketChannel channel;
    private final ByteBuffer out;
    private final ByteBuffer length = ByteBuffer.allocate(2);
    private ByteBuffer body;

    Tcp(InetSocketAddress address, byte[] query, Ticker clock, long deadline) throws IOException {
      this.clock = clock;
      this.deadline = deadline;
      this.out = ByteBuffer.allocate(query.length + 2);
      out.putShort((short) query.length).put(query).flip();
      this.channel = SocketChannel.open();
      try {
        channel.configureBlocking(false);
        channel.connect(address);
      } catch (IOException | RuntimeException e) {
        channel.close();
        throw e;
      }
    }

    /** The reply once complete, null while pending; throws on failure or past the deadline. */
    byte[] poll() throws IOException {
      if (channel.isConnectionPending() && !channel.finishConnect()) {
        return timedOut();
      }
      if (out.hasRemaining()) {
        channel.write(out);
        if (out.hasRemaining()) {
          return timedOut();
        }
      }
      if (body == null) {
        if (channel.read(length) < 0) {
          throw new IOException("connection closed before a reply");
        }
        if (length.hasRemaining()) {
          return timedOut();
        }
        body = ByteBuffer.allocate(((length.get(0) & 0xff) << 8) | (length.get(1) & 0xff));
      }
      if (channel.read(body) < 0 && body.hasRemaining()) {
        throw new IOException("connection closed in the middle of a reply");
      }
      return body.hasRemaining() ? timedOut() : body.array();
    }

    private byte[] timedOut() throws IOException {
      if (clock.read() - deadline >= 0) {
        throw new SocketTimeoutException("no TCP reply within timeout-retry");
      }
      return null;
    }

    void close() {
      try {
        channel.close();
      } catch (IOException ignored) {
        // nothing to do
      }
    }
  }
}
