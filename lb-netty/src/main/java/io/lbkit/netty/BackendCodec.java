package io.lbkit.netty;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.util.AsciiString;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The HTTP/1.1 codec of a connection to a server: Netty's {@link io.netty.handler.codec.http.HttpClientCodec}
 * less what this proxy never asks of it ({@code CONNECT} tunnels, as the engine answers
 * {@code CONNECT} with 405; counting missing responses), with a decoder that does not copy what
 * every response repeats. Netty's response decoder makes a string of the version, the status code
 * and the reason phrase, and a name object for each header line: about 250 bytes per response.
 * Here the usual ones are constants.
 *
 * <p>Like Netty's codec it pairs each response with its request's method, so that the answer to
 * a {@code HEAD} is read without a body.
 */
final class BackendCodec extends CombinedChannelDuplexHandler<HttpResponseDecoder, HttpRequestEncoder> {
  /** Response header names read as constants when spelled exactly so, or in lower case. */
  private static final AsciiString[][] NAMES_BY_LENGTH = namesByLength("Content-Type", "Content-Length", "Date",
      "Server", "Connection", "Keep-Alive", "Transfer-Encoding", "Set-Cookie", "Cache-Control", "Vary", "Location",
      "Last-Modified", "ETag", "Expires", "Pragma", "Content-Encoding", "Content-Language", "Accept-Ranges",
      "Upgrade", "Sec-WebSocket-Accept", "X-Frame-Options", "X-Content-Type-Options", "Strict-Transport-Security",
      "Access-Control-Allow-Origin");
  /** The status codes servers answer most, as text, by code. */
  private static final String[] CODES = new String[600];

  static {
    for (int code : new int[] {100, 101, 200, 201, 202, 204, 206, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404,
        405, 409, 410, 412, 413, 415, 422, 429, 500, 501, 502, 503, 504}) {
      CODES[code] = Integer.toString(code);
    }
  }

  private final ArrayDeque<HttpMethod> methods = new ArrayDeque<>(2);
  private final Encoder encoder = new Encoder();

  BackendCodec(HttpDecoderConfig config) {
    init(new Decoder(config), encoder);
  }

  /** From now on requests pass through as bytes: the connection became a tunnel. */
  void passThrough() {
    encoder.passThrough = true;
  }

  private final class Encoder extends HttpRequestEncoder {
    boolean passThrough;

    @Override
    protected void encode(ChannelHandlerContext ctx, Object msg, List<Object> out) throws Exception {
      if (passThrough) {
        out.add(msg); // the encoder's write() does not release it
        return;
      }
      if (msg instanceof HttpRequest) {
        methods.offer(((HttpRequest) msg).method());
      }
      super.encode(ctx, msg, out);
    }
  }

  private final class Decoder extends HttpResponseDecoder {
    /** The status code of the line being split, for its reason phrase. */
    private int code;

    Decoder(HttpDecoderConfig config) {
      super(config);
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpMessage msg) {
      HttpResponseStatus status = ((HttpResponse) msg).status();
      if (status.codeClass() != HttpStatusClass.INFORMATIONAL && HttpMethod.HEAD.equals(methods.poll())) {
        return true; // the headers describe the body a GET would have had
      }
      return super.isContentAlwaysEmpty(msg);
    }

    @Override
    protected String splitFirstWordInitialLine(byte[] line, int start, int length) {
      return matches(line, start, length, "HTTP/1.1") ? "HTTP/1.1" // the literal Netty compares by reference
          : super.splitFirstWordInitialLine(line, start, length);
    }

    @Override
    protected String splitSecondWordInitialLine(byte[] line, int start, int length) {
      code = -1;
      if (length == 3) {
        int c = (line[start] - '0') * 100 + (line[start + 1] - '0') * 10 + (line[start + 2] - '0');
        if (c >= 100 && c < CODES.length && CODES[c] != null && isDigits(line, start, length)) {
          code = c;
          return CODES[c];
        }
      }
      return super.splitSecondWordInitialLine(line, start, length);
    }

    @Override
    protected String splitThirdWordInitialLine(byte[] line, int start, int length) {
      if (code > 0) {
        String reason = HttpResponseStatus.valueOf(code).reasonPhrase();
        if (matches(line, start, length, reason)) {
          return reason; // Netty then answers its status constant
        }
      }
      return super.splitThirdWordInitialLine(line, start, length);
    }

    @Override
    protected AsciiString splitHeaderName(byte[] line, int start, int length) {
      if (length < NAMES_BY_LENGTH.length) {
        for (AsciiString name : NAMES_BY_LENGTH[length]) {
          if (matches(line, start, length, name)) {
            return name;
          }
        }
      }
      return super.splitHeaderName(line, start, length);
    }
  }

  private static AsciiString[][] namesByLength(String... names) {
    int max = 0;
    for (String n : names) {
      max = Math.max(max, n.length());
    }
    AsciiString[][] byLength = new AsciiString[max + 1][0];
    for (String n : names) {
      AsciiString[] same = byLength[n.length()];
      AsciiString[] more = Arrays.copyOf(same, same.length + 2);
      more[same.length] = AsciiString.cached(n);
      more[same.length + 1] = AsciiString.cached(n.toLowerCase(Locale.ROOT));
      byLength[n.length()] = more;
    }
    return byLength;
  }

  private static boolean matches(byte[] line, int start, int length, CharSequence text) {
    if (length != text.length()) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if (line[start + i] != text.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static boolean isDigits(byte[] line, int start, int length) {
    for (int i = start; i < start + length; i++) {
      if (line[i] < '0' || line[i] > '9') {
        return false;
      }
    }
    return true;
  }
}
