package dev.backgroundjobs.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.core.log.LogAccessor;

/**
 * A TCP proxy in front of a database that the tests break on purpose: it passes traffic,
 * refuses new connections, resets open ones (so a commit in flight is ambiguous),
 * black-holes traffic (accepts and never answers) or adds latency.
 */
final class FaultProxy implements AutoCloseable {

	private static final LogAccessor logger = new LogAccessor(FaultProxy.class);

	private final int port;

	private final String targetHost;

	private final int targetPort;

	private final Set<Link> links = ConcurrentHashMap.newKeySet();

	private final Object gate = new Object();

	private volatile boolean blackHole;

	private volatile long latencyMillis;

	private volatile boolean closed;

	private ServerSocket server;

	FaultProxy(String targetHost, int targetPort) {
		this.port = KafkaBroker.freePort();
		this.targetHost = targetHost;
		this.targetPort = targetPort;
		listen();
	}

	int port() {
		return this.port;
	}

	/**
	 * Passes traffic again: accepts new connections, forwards what black-holed links
	 * held, and drops the added latency.
	 */
	synchronized void pass() {
		this.latencyMillis = 0;
		synchronized (this.gate) {
			this.blackHole = false;
			this.gate.notifyAll();
		}
		if (this.server == null) {
			listen();
		}
	}

	/**
	 * Refuses new connections: the listening socket is closed, so connecting fails at
	 * once. Open connections are not touched.
	 */
	synchronized void refuse() {
		if (this.server != null) {
			closeQuietly(this.server);
			this.server = null;
		}
	}

	/**
	 * Resets every open connection (TCP RST), whatever it was doing.
	 * @return how many connections were reset
	 */
	int resetAll() {
		int count = 0;
		for (Link link : this.links) {
			link.reset();
			count++;
		}
		return count;
	}

	/**
	 * Stops forwarding in both directions, on open and new connections alike, until
	 * {@link #pass()}.
	 */
	void blackHole() {
		this.blackHole = true;
	}

	/**
	 * Delays every chunk forwarded in either direction.
	 * @param millis the delay
	 */
	void latency(long millis) {
		this.latencyMillis = millis;
	}

	private void listen() {
		try {
			ServerSocket socket = new ServerSocket();
			socket.setReuseAddress(true);
			socket.bind(new InetSocketAddress("127.0.0.1", this.port), 200);
			this.server = socket;
			Thread acceptor = new Thread(() -> accept(socket), "fault-proxy-accept-" + this.port);
			acceptor.setDaemon(true);
			acceptor.start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not listen on " + this.port, ex);
		}
	}

	private void accept(ServerSocket socket) {
		while (!socket.isClosed()) {
			try {
				Socket client = socket.accept();
				Socket upstream = new Socket(this.targetHost, this.targetPort);
				client.setTcpNoDelay(true);
				upstream.setTcpNoDelay(true);
				Link link = new Link(client, upstream);
				this.links.add(link);
				link.start();
			}
			catch (IOException ex) {
				if (!socket.isClosed()) {
					logger.warn(ex, "Proxy could not accept a connection");
				}
			}
		}
	}

	private void pump(InputStream in, OutputStream out, Link link) {
		byte[] buffer = new byte[64 * 1024];
		try {
			int read;
			while ((read = in.read(buffer)) != -1) {
				awaitPassage();
				long latency = this.latencyMillis;
				if (latency > 0) {
					Thread.sleep(latency);
				}
				out.write(buffer, 0, read);
				out.flush();
			}
		}
		catch (IOException ex) {
			// The link was reset or one side closed.
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		finally {
			link.close();
		}
	}

	private void awaitPassage() throws InterruptedException {
		synchronized (this.gate) {
			while (this.blackHole && !this.closed) {
				this.gate.wait(1000);
			}
		}
	}

	@Override
	public synchronized void close() {
		this.closed = true;
		refuse();
		this.links.forEach(Link::close);
		synchronized (this.gate) {
			this.gate.notifyAll();
		}
	}

	private static void closeQuietly(AutoCloseable closeable) {
		try {
			closeable.close();
		}
		catch (Exception ex) {
			// Already closed.
		}
	}

	/**
	 * A client connection and its upstream connection, pumped by two threads.
	 */
	private final class Link {

		private final Socket client;

		private final Socket upstream;

		Link(Socket client, Socket upstream) {
			this.client = client;
			this.upstream = upstream;
		}

		void start() throws IOException {
			InputStream clientIn = this.client.getInputStream();
			OutputStream clientOut = this.client.getOutputStream();
			InputStream upstreamIn = this.upstream.getInputStream();
			OutputStream upstreamOut = this.upstream.getOutputStream();
			thread(() -> pump(clientIn, upstreamOut, this), "up");
			thread(() -> pump(upstreamIn, clientOut, this), "down");
		}

		private void thread(Runnable pump, String direction) {
			Thread thread = new Thread(pump, "fault-proxy-" + FaultProxy.this.port + "-" + direction);
			thread.setDaemon(true);
			thread.start();
		}

		void reset() {
			try {
				this.client.setSoLinger(true, 0);
				this.upstream.setSoLinger(true, 0);
			}
			catch (IOException ex) {
				// Already closed.
			}
			close();
		}

		void close() {
			closeQuietly(this.client);
			closeQuietly(this.upstream);
			FaultProxy.this.links.remove(this);
		}

	}

}
