package io.lbkit.servlet;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousSocketChannel;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Blocking reads from a server channel during a tunnel's handshake, each bounded by
 * {@code timeout-server}: the response head, and the body of an answer other than 101. What was
 * read past the head stays in the buffer for the tunnel ({@link #takeBuffered()}).
 */
final class ChannelInput extends InputStream {
  private static final int MAX_HEAD = 64 * 1024;

  private final AsynchronousSocketChannel channel;
  private final long timeoutMillis;
  private final ByteBuffer buffer = ByteBuffer.allocate(8 * 1024);
  private long received;

  ChannelInput(AsynchronousSocketChannel channel, long timeoutMillis) {
    this.channel = channel;
    this.timeoutMillis = timeoutMillis;
    buffer.flip(); // empty, ready to read from
  }

  /** Bytes received from the server so far. */
  long received() {
    return received;
  }

  private boolean fill() throws IOException {
    buffer.compact();
    try {
      int n = channel.read(buffer).get(timeoutMillis, TimeUnit.MILLISECONDS);
      if (n > 0) {
        received += n;
      }
      return n >= 0;
    } catch (TimeoutException e) {
      throw new SocketTimeoutException("no byte from the server within timeout-server (" + timeoutMillis + " ms)");
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException ? (IOException) e.getCause() : new IOException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted");
    } finally {
      buffer.flip();
    }
  }

  @Override
  public int read() throws IOException {
    if (!buffer.hasRemaining() && !fill()) {
      return -1;
    }
    return buffer.hasRemaining() ? buffer.get() & 0xff : -1;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (!buffer.hasRemaining() && !fill()) {
      return -1;
    }
    int n = Math.min(len, buffer.remaining());
    buffer.get(b, off, n);
    return n;
  }

  /** One line without its CRLF (or LF), ISO-8859-1; an error at the end of stream or past 64 KiB. */
  String line() throws IOException {
    StringBuilder sb = new StringBuilder(64);
    while (true) {
      int c = read();
      if (c < 0) {
        throw new EOFException("connection closed by the server");
      }
      if (c == '\n') {
        int end = sb.length();
        return end > 0 && sb.charAt(end - 1) == '\r' ? sb.substring(0, end - 1) : sb.toString();
      }
      if (sb.length() >= MAX_HEAD) {
        throw new BadResponseException("response head line longer than " + MAX_HEAD + " bytes");
      }
      sb.append((char) c);
    }
  }

  /** The bytes read from the server but not consumed yet (the tunnel's first ones), possibly empty. */
  ByteBuffer takeBuffered() {
    ByteBuffer copy = ByteBuffer.allocate(buffer.remaining());
    copy.put(buffer).flip();
    return copy;
  }

  /** The server's answer is not HTTP/1.x. */
  static final class BadResponseException extends IOException {
    private static final long serialVersionUID = 1L;

    BadResponseException(String message) {
      super(message);
    }
  }
}
