package io.lbkit.testkit;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * A scriptable DNS server for tests and the demo: UDP and TCP on the same ephemeral port of
 * 127.0.0.1, built on dnsjava's message classes. Answers are set per name ({@link #setA},
 * {@link #setAaaa}, {@link #setSrv}); misbehaviour is set per name, per (name, type) or for every
 * name: RCODEs, silence, delays, truncation, forged replies, malformed or raw bytes. Every query received
 * is recorded ({@link #queries()}).
 *
 * <p>Unknown names get NXDOMAIN; a known name without records of the asked type gets an empty
 * NOERROR answer (NODATA). UDP answers larger than the client's EDNS0 payload size (512 without
 * an OPT record) are truncated with the TC bit, as a real server does; TCP answers are whole.
 *
 * <pre>{@code
 * try (TestDnsServer dns = TestDnsServer.start()) {
 *   dns.setA("tasks.whoami", "127.0.0.2", "127.0.0.3");
 *   String nameserver = dns.nameserver(); // "127.0.0.1:<port>"
 * }
 * }</pre>
 */
public final class TestDnsServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TestDnsServer.class);
  private static final int ANY = -1;
  private static final long TTL = 30;

  /** How a query reached the server. */
  public enum Transport { UDP, TCP }

  /** A forged reply sent before (or, with silence, instead of) the real one. */
  public enum Spoof {
    /** Same question, wrong message ID. */
    WRONG_ID,
    /** Right message ID, another question name. */
    WRONG_QUESTION
  }

  /** Bytes that are not a valid DNS message. */
  public enum Malformed {
    /** A reply header with the query's ID that announces records the packet does not contain. */
    CUT_SHORT,
    /** Five bytes of junk: shorter than a DNS header. */
    RUNT
  }

  /** One SRV record: priority, weight, port and target host. */
  public record Srv(int priority, int weight, int port, String target) {
    public Srv {
      Objects.requireNonNull(target, "target");
    }
  }

  /**
   * A query as the server received it.
   *
   * @param payloadSize the EDNS0 payload size announced by the client, or 0 without an OPT record
   */
  public record Query(Transport transport, String name, int type, int id, int payloadSize) {
    /** The query type as text: {@code A}, {@code AAAA}, {@code SRV}. */
    public String typeName() {
      return Type.string(type);
    }

    @Override
    public String toString() {
      return transport + " " + typeName() + " " + name + " id=" + id;
    }
  }

  private final DatagramSocket udp;
  private final ServerSocket tcp;
  private final ScheduledExecutorService workers;
  private final List<Query> queries = new CopyOnWriteArrayList<>();
  private final List<Socket> connections = new CopyOnWriteArrayList<>();

  // all guarded by "this"
  private final Map<String, List<Record>> records = new HashMap<>();
  private final Map<String, Rule> rules = new HashMap<>();
  private final Rule global = new Rule();
  private boolean additional = true;
  private boolean ignorePayloadSize;
  private volatile boolean closed;

  private TestDnsServer(DatagramSocket udp, ServerSocket tcp) {
    this.udp = udp;
    this.tcp = tcp;
    this.global.delay = Duration.ZERO;
    this.workers = Executors.newScheduledThreadPool(2, r -> {
      Thread t = new Thread(r, "test-dns-" + udp.getLocalPort());
      t.setDaemon(true);
      return t;
    });
    daemon("test-dns-udp-" + port(), this::serveUdp).start();
    daemon("test-dns-tcp-" + port(), this::acceptTcp).start();
  }

  /** Starts a server on an ephemeral port of 127.0.0.1, the same port number for UDP and TCP. */
  public static TestDnsServer start() {
    return start(0);
  }

  /**
   * Starts a server on {@code port} of 127.0.0.1 for UDP and TCP (0: an ephemeral port, the same
   * for both).
   *
   * @throws IllegalStateException when the port pair cannot be bound
   */
  public static TestDnsServer start(int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
    }
    InetAddress loopback = InetAddress.getLoopbackAddress();
    IOException last = null;
    for (int attempt = 0; attempt < (port == 0 ? 20 : 1); attempt++) {
      DatagramSocket udp = null;
      try {
        udp = new DatagramSocket(new InetSocketAddress(loopback, port));
        ServerSocket tcp = new ServerSocket();
        try {
          tcp.setReuseAddress(true);
          tcp.bind(new InetSocketAddress(loopback, udp.getLocalPort()), 50);
        } catch (IOException e) { // the TCP port is taken by someone else: try another UDP port
          tcp.close();
          throw e;
        }
        return new TestDnsServer(udp, tcp);
      } catch (IOException e) {
        last = e;
        if (udp != null) {
          udp.close();
        }
      }
    }
    throw new IllegalStateException("cannot bind UDP and TCP port " + (port == 0 ? "pair" : port)
        + " on 127.0.0.1", last);
  }

  /** The address clients send to (UDP and TCP). */
  public InetSocketAddress address() {
    return new InetSocketAddress(udp.getLocalAddress(), udp.getLocalPort());
  }

  public int port() {
    return udp.getLocalPort();
  }

  /** {@code 127.0.0.1:port}, as a {@code nameserver} setting. */
  public String nameserver() {
    return udp.getLocalAddress().getHostAddress() + ":" + port();
  }

  // ---- answers ----

  /** Sets the A records of {@code name} (replacing previous ones); none leaves the name with no A record. */
  public TestDnsServer setA(String name, String... ips) {
    return setAddresses(name, Type.A, ips);
  }

  /** Sets the AAAA records of {@code name} (replacing previous ones). */
  public TestDnsServer setAaaa(String name, String... ips) {
    return setAddresses(name, Type.AAAA, ips);
  }

  /** Sets the SRV records of {@code name} ({@code _http._tcp.whoami}), replacing previous ones. */
  public synchronized TestDnsServer setSrv(String name, Srv... srvs) {
    Name n = name(name);
    List<Record> list = new ArrayList<>();
    for (Srv s : srvs) {
      list.add(new SRVRecord(n, DClass.IN, TTL, s.priority(), s.weight(), s.port(), name(s.target())));
    }
    put(n, Type.SRV, list);
    return this;
  }

  /** A shorthand for {@code new Srv(priority, weight, port, target)}. */
  public static Srv srv(int priority, int weight, int port, String target) {
    return new Srv(priority, weight, port, target);
  }

  /** Whether SRV answers carry the targets' A/AAAA records in the additional section (default true). */
  public synchronized TestDnsServer setAdditional(boolean additional) {
    this.additional = additional;
    return this;
  }

  /**
   * Sends whole UDP answers whatever payload size the client announced (up to 65535 bytes), like a
   * broken server; default false: answers over the limit are truncated with the TC bit.
   */
  public synchronized TestDnsServer setIgnorePayloadSize(boolean ignore) {
    this.ignorePayloadSize = ignore;
    return this;
  }

  /** Forgets every record of {@code name}: it gets NXDOMAIN again. */
  public synchronized TestDnsServer remove(String name) {
    String prefix = key(name(name), ANY);
    prefix = prefix.substring(0, prefix.lastIndexOf('/') + 1);
    String p = prefix;
    records.keySet().removeIf(k -> k.startsWith(p));
    return this;
  }

  // ---- behaviour ----

  /** Answers every query for {@code name} with {@code rcode} ({@code Rcode.NXDOMAIN}, ...); {@code Rcode.NOERROR} clears. */
  public TestDnsServer setRcode(String name, int rcode) {
    return setRcode(name, ANY, rcode);
  }

  /** Answers queries for ({@code name}, {@code type}) with {@code rcode}; {@code Rcode.NOERROR} clears. */
  public synchronized TestDnsServer setRcode(String name, int type, int rcode) {
    rule(name, type).rcode = rcode == Rcode.NOERROR ? null : rcode;
    return this;
  }

  /** Drops (or stops dropping) every query. */
  public synchronized TestDnsServer setSilent(boolean silent) {
    global.silent = silent;
    return this;
  }

  /** Drops (or stops dropping) queries for {@code name}. */
  public TestDnsServer setSilent(String name, boolean silent) {
    return setSilent(name, ANY, silent);
  }

  /** Drops (or stops dropping) queries for ({@code name}, {@code type}), e.g. only AAAA. */
  public synchronized TestDnsServer setSilent(String name, int type, boolean silent) {
    rule(name, type).silent = silent;
    return this;
  }

  /** Delays every answer by {@code delay} (zero: no delay). */
  public synchronized TestDnsServer setDelay(Duration delay) {
    global.delay = Objects.requireNonNull(delay, "delay");
    return this;
  }

  /** Delays answers for {@code name}. */
  public synchronized TestDnsServer setDelay(String name, Duration delay) {
    rule(name, ANY).delay = Objects.requireNonNull(delay, "delay");
    return this;
  }

  /** Answers UDP queries for {@code name} with the TC bit and no records; TCP gets the full answer. */
  public synchronized TestDnsServer setTruncated(String name, boolean truncated) {
    rule(name, ANY).truncated = truncated;
    return this;
  }

  /**
   * Sends a forged reply to queries for {@code name} carrying {@code ips} (as records of the asked
   * type), before the real reply; with {@link #setSilent(String, boolean)} only the forged one is
   * sent. {@code null} stops forging.
   */
  public synchronized TestDnsServer setSpoof(String name, Spoof spoof, String... ips) {
    Rule r = rule(name, ANY);
    r.spoof = spoof;
    r.spoofIps = ips.clone();
    return this;
  }

  /** Replies to queries for {@code name} with malformed bytes instead of an answer; {@code null} stops. */
  public synchronized TestDnsServer setMalformed(String name, Malformed malformed) {
    rule(name, ANY).malformed = malformed;
    return this;
  }

  /**
   * Replies to queries for {@code name} with exactly {@code reply} (fuzzing, hostile servers), its
   * first two bytes replaced by the query's ID so the client does not drop it as a mismatch; over
   * TCP with the usual length prefix. {@code null} stops.
   */
  public synchronized TestDnsServer setRawReply(String name, byte[] reply) {
    rule(name, ANY).raw = reply == null ? null : reply.clone();
    return this;
  }

  /** Clears every record, rule and recorded query. */
  public synchronized TestDnsServer reset() {
    records.clear();
    rules.clear();
    global.silent = false;
    global.delay = Duration.ZERO;
    additional = true;
    ignorePayloadSize = false;
    queries.clear();
    return this;
  }

  // ---- recorded queries ----

  /** Every query received so far, in arrival order. */
  public List<Query> queries() {
    return List.copyOf(queries);
  }

  /** The queries received for {@code name}. */
  public List<Query> queries(String name) {
    String n = name(name).toString().toLowerCase(Locale.ROOT);
    List<Query> out = new ArrayList<>();
    for (Query q : queries) {
      if (q.name().equals(n)) {
        out.add(q);
      }
    }
    return out;
  }

  public void clearQueries() {
    queries.clear();
  }

  @Override
  public void close() {
    closed = true;
    udp.close();
    try {
      tcp.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    for (Socket s : connections) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
    workers.shutdownNow();
  }

  @Override
  public String toString() {
    return "TestDnsServer{" + nameserver() + "}";
  }

  // ---- serving ----

  private void serveUdp() {
    byte[] buf = new byte[65535];
    while (!closed) {
      DatagramPacket packet = new DatagramPacket(buf, buf.length);
      try {
        udp.receive(packet);
      } catch (IOException e) {
        if (!closed) {
          log.warn("test DNS UDP receive failed", e);
        }
        return;
      }
      byte[] data = java.util.Arrays.copyOf(packet.getData(), packet.getLength());
      InetSocketAddress client = (InetSocketAddress) packet.getSocketAddress();
      List<byte[]> replies = handle(data, Transport.UDP);
      Duration delay = delayFor(data);
      Runnable send = () -> {
        for (byte[] reply : replies) {
          try {
            udp.send(new DatagramPacket(reply, reply.length, client));
          } catch (IOException e) {
            if (!closed) {
              log.warn("test DNS UDP send failed", e);
            }
          }
        }
      };
      schedule(send, delay);
    }
  }

  private void acceptTcp() {
    while (!closed) {
      Socket s;
      try {
        s = tcp.accept();
      } catch (IOException e) {
        if (!closed) {
          log.warn("test DNS TCP accept failed", e);
        }
        return;
      }
      connections.add(s);
      daemon("test-dns-tcp-conn-" + port(), () -> serveTcp(s)).start();
    }
  }

  private void serveTcp(Socket s) {
    try (s) {
      DataInputStream in = new DataInputStream(s.getInputStream());
      OutputStream out = s.getOutputStream();
      while (!closed) {
        int length;
        try {
          length = in.readUnsignedShort();
        } catch (EOFException e) {
          return;
        }
        byte[] data = readFully(in, length);
        List<byte[]> replies = handle(data, Transport.TCP);
        Duration delay = delayFor(data);
        if (!delay.isZero()) {
          Thread.sleep(delay.toMillis()); // this connection's own thread: pacing the reply is the point
        }
        synchronized (out) {
          for (byte[] reply : replies) {
            out.write(new byte[] {(byte) (reply.length >>> 8), (byte) reply.length});
            out.write(reply);
          }
          out.flush();
        }
      }
    } catch (SocketException e) {
      // client or server closed the connection
    } catch (IOException e) {
      if (!closed) {
        log.warn("test DNS TCP connection failed", e);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      connections.remove(s);
    }
  }

  /** Parses a query, records it and returns the datagrams to send back (none: drop). */
  private List<byte[]> handle(byte[] data, Transport transport) {
    Message query;
    try {
      query = new Message(data);
    } catch (IOException e) {
      log.warn("test DNS: unparseable query of {} bytes dropped", data.length);
      return List.of();
    }
    Record question = query.getQuestion();
    if (question == null) {
      return List.of();
    }
    OPTRecord opt = query.getOPT();
    Name qname = question.getName();
    int qtype = question.getType();
    queries.add(new Query(transport, qname.toString().toLowerCase(Locale.ROOT), qtype, query.getHeader().getID(),
        opt == null ? 0 : opt.getPayloadSize()));
    synchronized (this) {
      Rule exact = rules.get(key(qname, qtype));
      Rule any = rules.get(key(qname, ANY));
      List<byte[]> out = new ArrayList<>();
      Spoof spoof = pick(exact, any, r -> r.spoof);
      if (spoof != null) {
        out.add(forged(query, spoof, pick(exact, any, r -> r.spoof != null ? r.spoofIps : null)));
      }
      if (global.silent || Boolean.TRUE.equals(pick(exact, any, r -> r.silent ? Boolean.TRUE : null))) {
        return out;
      }
      Malformed malformed = pick(exact, any, r -> r.malformed);
      if (malformed != null) {
        out.add(malformed(query, malformed));
        return out;
      }
      byte[] raw = pick(exact, any, r -> r.raw);
      if (raw != null) {
        byte[] reply = raw.clone();
        int id = query.getHeader().getID();
        for (int i = 0; i < Math.min(2, reply.length); i++) {
          reply[i] = (byte) (id >>> (8 - 8 * i));
        }
        out.add(reply);
        return out;
      }
      Message reply = reply(query);
      Integer rcode = pick(exact, any, r -> r.rcode);
      if (rcode != null) {
        reply.getHeader().setRcode(rcode);
      } else {
        answer(reply, qname, qtype);
      }
      if (transport == Transport.UDP) {
        boolean truncated = Boolean.TRUE.equals(pick(exact, any, r -> r.truncated ? Boolean.TRUE : null));
        if (truncated) {
          reply.removeAllRecords(Section.ANSWER);
          reply.removeAllRecords(Section.ADDITIONAL);
          reply.getHeader().setFlag(Flags.TC);
          if (opt != null) {
            reply.addRecord(new OPTRecord(4096, 0, 0), Section.ADDITIONAL);
          }
          out.add(reply.toWire());
        } else {
          out.add(ignorePayloadSize ? reply.toWire()
              : reply.toWire(opt == null ? 512 : Math.max(512, opt.getPayloadSize())));
        }
      } else {
        out.add(reply.toWire());
      }
      return out;
    }
  }

  private Message reply(Message query) {
    Message reply = new Message(query.getHeader().getID());
    reply.getHeader().setFlag(Flags.QR);
    reply.getHeader().setFlag(Flags.AA);
    reply.getHeader().setFlag(Flags.RA);
    if (query.getHeader().getFlag(Flags.RD)) {
      reply.getHeader().setFlag(Flags.RD);
    }
    reply.addRecord(query.getQuestion(), Section.QUESTION);
    return reply;
  }

  private void answer(Message reply, Name qname, int qtype) {
    if (!nameKnown(qname)) {
      reply.getHeader().setRcode(Rcode.NXDOMAIN);
      return;
    }
    List<Record> answers = records.getOrDefault(key(qname, qtype), List.of());
    for (Record r : answers) {
      reply.addRecord(r, Section.ANSWER);
    }
    if (qtype == Type.SRV && additional) {
      for (Record r : answers) {
        Name target = ((SRVRecord) r).getTarget();
        for (int type : new int[] {Type.A, Type.AAAA}) {
          for (Record a : records.getOrDefault(key(target, type), List.of())) {
            reply.addRecord(a, Section.ADDITIONAL);
          }
        }
      }
    }
    if (reply.getOPT() == null) {
      reply.addRecord(new OPTRecord(4096, 0, 0), Section.ADDITIONAL);
    }
  }

  private byte[] forged(Message query, Spoof spoof, String[] ips) {
    Message fake = reply(query);
    Record q = query.getQuestion();
    Name answerName = q.getName();
    if (spoof == Spoof.WRONG_ID) {
      fake.getHeader().setID((query.getHeader().getID() + 1) & 0xffff);
    } else {
      fake.removeAllRecords(Section.QUESTION);
      Name other = name("spoofed.invalid");
      fake.addRecord(Record.newRecord(other, q.getType(), q.getDClass()), Section.QUESTION);
    }
    for (String ip : ips == null ? new String[0] : ips) {
      InetAddress a = literal(ip);
      if (q.getType() == Type.AAAA) {
        fake.addRecord(new AAAARecord(answerName, DClass.IN, TTL, a), Section.ANSWER);
      } else {
        fake.addRecord(new ARecord(answerName, DClass.IN, TTL, a), Section.ANSWER);
      }
    }
    return fake.toWire();
  }

  private static byte[] malformed(Message query, Malformed kind) {
    int id = query.getHeader().getID();
    if (kind == Malformed.RUNT) {
      return new byte[] {(byte) (id >>> 8), (byte) id, (byte) 0x81, 0, 1};
    }
    // header: ID, QR|RD|RA, QDCOUNT 1, ANCOUNT 5, then a few bytes of nothing
    return new byte[] {(byte) (id >>> 8), (byte) id, (byte) 0x81, (byte) 0x80, 0, 1, 0, 5, 0, 0, 0, 0,
        3, 'b', 'a', 'd', 0x7f};
  }

  private TestDnsServer setAddresses(String name, int type, String... ips) {
    Name n = name(name);
    List<Record> list = new ArrayList<>();
    for (String ip : ips) {
      InetAddress a = literal(ip);
      list.add(type == Type.A ? new ARecord(n, DClass.IN, TTL, a) : new AAAARecord(n, DClass.IN, TTL, a));
    }
    synchronized (this) {
      put(n, type, list);
    }
    return this;
  }

  private void put(Name n, int type, List<Record> list) {
    records.put(key(n, type), List.copyOf(list));
    records.putIfAbsent(key(n, ANY), List.of()); // marks the name as existing (NODATA rather than NXDOMAIN)
  }

  private boolean nameKnown(Name n) {
    return records.containsKey(key(n, ANY));
  }

  private Duration delayFor(byte[] data) {
    synchronized (this) {
      Duration d = global.delay;
      try {
        Record q = new Message(data).getQuestion();
        Rule r = q == null ? null : rules.get(key(q.getName(), ANY));
        if (r != null && r.delay != null) {
          d = r.delay;
        }
      } catch (IOException ignored) {
        // an unparseable query is dropped anyway
      }
      return d;
    }
  }

  private void schedule(Runnable r, Duration delay) {
    try {
      workers.schedule(r, delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closed
    }
  }

  private Rule rule(String name, int type) {
    return rules.computeIfAbsent(key(name(name), type), k -> new Rule());
  }

  private static <T> T pick(Rule exact, Rule any, java.util.function.Function<Rule, T> f) {
    T v = exact == null ? null : f.apply(exact);
    return v != null ? v : any == null ? null : f.apply(any);
  }

  private static String key(Name n, int type) {
    return n.toString().toLowerCase(Locale.ROOT) + "/" + (type == ANY ? "*" : Integer.toString(type));
  }

  private static Name name(String name) {
    try {
      return Name.fromString(name, Name.root);
    } catch (TextParseException e) {
      throw new IllegalArgumentException("name: '" + name + "' (expected: a DNS name)", e);
    }
  }

  private static InetAddress literal(String ip) {
    if (ip == null || !(ip.indexOf(':') >= 0 || ip.chars().allMatch(c -> c == '.' || Character.isDigit(c)))) {
      throw new IllegalArgumentException("ip: '" + ip + "' (expected: an IPv4 or IPv6 literal)");
    }
    try {
      return InetAddress.getByName(ip);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("ip: '" + ip + "' (expected: an IPv4 or IPv6 literal)", e);
    }
  }

  private static byte[] readFully(InputStream in, int length) throws IOException {
    byte[] b = new byte[length];
    new DataInputStream(in).readFully(b);
    return b;
  }

  private static Thread daemon(String name, Runnable r) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** Misbehaviour for a name, a (name, type) or every name; null fields inherit. */
  private static final class Rule {
    Integer rcode;
    boolean silent;
    Duration delay;
    boolean truncated;
    Spoof spoof;
    String[] spoofIps;
    Malformed malformed;
    byte[] raw;
  }
}
