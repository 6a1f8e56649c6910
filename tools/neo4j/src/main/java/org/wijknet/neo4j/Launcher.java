package org.wijknet.neo4j;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import org.neo4j.cli.ExecutionContext;
import org.neo4j.commandline.admin.security.SetInitialPasswordCommand;
import org.neo4j.configuration.Config;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.SettingImpl;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.config.Setting;
import org.neo4j.io.ByteUnit;
import picocli.CommandLine;

/**
 * Test-only Neo4j Community server: embedded DBMS with a Bolt connector on
 * 127.0.0.1, auth enabled, and the password of user {@code neo4j} set from the
 * environment. Not for production use.
 *
 * <pre>
 * usage: Launcher --home DIR --port PORT [--page-cache SIZE_MB] [--watch-pid PID]
 *                 [--setting KEY=VALUE ...]
 *   password: environment variable WIJKNET_NEO4J_LAUNCHER_PASSWORD (min. 8 chars)
 * </pre>
 *
 * Prints {@code READY bolt://127.0.0.1:PORT} once Bolt accepts connections
 * and the password is in place. Shuts down cleanly on SIGTERM / SIGINT, and, with
 * {@code --watch-pid}, once that process is gone (a test run that was killed before
 * it could stop its server).
 */
public final class Launcher {

    static final String PASSWORD_ENV = "WIJKNET_NEO4J_LAUNCHER_PASSWORD";
    private static final String HOST = "127.0.0.1";

    private Launcher() {}

    public static void main(String[] args) throws Exception {
        Path home = null;
        int port = -1;
        long pageCacheMb = 256;
        long watchPid = -1;
        Map<String, String> settings = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--home" -> home = Path.of(requireValue(args, ++i, a)).toAbsolutePath();
                case "--port" -> port = Integer.parseInt(requireValue(args, ++i, a));
                case "--page-cache" -> pageCacheMb = Long.parseLong(requireValue(args, ++i, a));
                case "--watch-pid" -> watchPid = Long.parseLong(requireValue(args, ++i, a));
                case "--setting" -> {
                    String kv = requireValue(args, ++i, a);
                    int eq = kv.indexOf('=');
                    if (eq <= 0) die("--setting needs KEY=VALUE, got: " + kv);
                    settings.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
                default -> die("unknown argument: " + a);
            }
        }
        if (home == null) die("--home is required");
        if (port <= 0 || port > 65535) die("--port is required (1..65535)");
        String password = System.getenv(PASSWORD_ENV);
        if (password == null || password.length() < 8) {
            die("environment variable " + PASSWORD_ENV + " must hold a password of at least 8 characters");
        }
        Files.createDirectories(home);

        long t0 = System.nanoTime();
        // A fresh home gets its password the way `neo4j-admin dbms set-initial-password` does it
        // (data/dbms/auth.ini, read once when the system database is created): no Cypher needed.
        boolean freshHome = !Files.exists(home.resolve("data/databases/system"));
        if (freshHome) {
            setInitialPassword(home, password);
        }
        log("starting Neo4j (embedded, community) home=" + home + " bolt=" + HOST + ":" + port);

        DatabaseManagementServiceBuilder builder = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress(HOST, port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress(HOST, port))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                // Bolt waits 5 s + 5 s on shutdown for idle connections / worker threads by
                // default, after the databases are already checkpointed and closed.
                .setConfig(BoltConnectorInternalSettings.connection_shutdown_wait_time, Duration.ofSeconds(1))
                .setConfig(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time, Duration.ofSeconds(1))
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.routing_enabled, false)
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pageCacheMb))
                .setConfig(GraphDatabaseSettings.logical_log_rotation_threshold, ByteUnit.mebiBytes(16))
                .setConfig(GraphDatabaseSettings.keep_logical_logs, "2 files")
                .setConfig(GraphDatabaseSettings.check_point_interval_time, Duration.ofMinutes(5))
                .setConfig(GraphDatabaseSettings.filewatcher_enabled, false);
        // --setting KEY=VALUE: any other Neo4j setting, or one of the above overridden.
        Map<String, Setting<Object>> declared = Config.defaults().getDeclaredSettings();
        for (Map.Entry<String, String> kv : settings.entrySet()) {
            Setting<Object> setting = declared.get(kv.getKey());
            if (!(setting instanceof SettingImpl<Object> impl)) {
                die("unknown Neo4j setting: " + kv.getKey());
                return;
            }
            builder.setConfig(setting, impl.parse(kv.getValue()));
            log("setting " + kv.getKey() + "=" + kv.getValue());
        }
        DatabaseManagementService dbms = builder.build();
        log("DBMS up after " + (System.nanoTime() - t0) / 1_000_000 + " ms");

        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean shuttingDown = new AtomicBoolean(false);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (shuttingDown.compareAndSet(false, true)) {
                log("shutdown requested, stopping Neo4j");
                try {
                    dbms.shutdown();
                    log("STOPPED");
                } catch (Throwable t) {
                    log("error during shutdown: " + t);
                }
            }
            stopped.countDown();
        }, "neo4j-test-server-shutdown"));

        if (watchPid > 0) {
            watch(watchPid);
        }

        try {
            if (!freshHome) {
                setPassword(dbms, password);
            }
            waitForPort(port, Duration.ofSeconds(60));
        } catch (Throwable t) {
            log("FAILED: " + t);
            t.printStackTrace(System.err);
            System.exit(2); // runs the shutdown hook
        }

        long ms = (System.nanoTime() - t0) / 1_000_000;
        log("started in " + ms + " ms");
        System.out.println("READY bolt://" + HOST + ":" + port);
        System.out.flush();

        stopped.await();
    }

    /** Exits (running the shutdown hook, which stops Neo4j) once process {@code pid} is gone. */
    private static void watch(long pid) {
        Thread watcher = new Thread(() -> {
            while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
            }
            log("watched process " + pid + " is gone: stopping");
            System.exit(0);
        }, "neo4j-test-server-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    private static void setInitialPassword(Path home, String password) {
        var ctx = new ExecutionContext(home, home.resolve("conf"));
        int rc = new CommandLine(new SetInitialPasswordCommand(ctx)).execute(password);
        if (rc != 0) {
            throw new IllegalStateException("set-initial-password failed with exit code " + rc);
        }
        log("initial password of user neo4j written");
    }

    /** Sets the password of user neo4j, without forcing a change on first login. */
    private static void setPassword(DatabaseManagementService dbms, String password) {
        var system = dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME);
        try {
            system.executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $pw CHANGE NOT REQUIRED", Map.of("pw", password));
            log("password of user neo4j set");
        } catch (RuntimeException e) {
            // Re-using an existing home with the same password: Neo4j refuses to "change"
            // a password to its current value. The password is then already right.
            String msg = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
            Throwable c = e.getCause();
            while (c != null) {
                msg += " | " + String.valueOf(c.getMessage()).toLowerCase(Locale.ROOT);
                c = c.getCause();
            }
            if (msg.contains("cannot be the same")) {
                system.executeTransactionally("ALTER USER neo4j SET PASSWORD CHANGE NOT REQUIRED");
                log("password of user neo4j already set (unchanged)");
            } else {
                throw e;
            }
        }
    }

    private static void waitForPort(int port, Duration timeout) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(HOST, port), 1000);
                return;
            } catch (IOException e) {
                last = e;
                Thread.sleep(100);
            }
        }
        throw new IOException("Bolt port " + port + " did not open within " + timeout, last);
    }

    private static String requireValue(String[] args, int i, String flag) {
        if (i >= args.length) die(flag + " needs a value");
        return args[i];
    }

    private static void log(String msg) {
        System.out.println("[neo4j-test-server] " + msg);
        System.out.flush();
    }

    private static void die(String msg) {
        System.err.println("[neo4j-test-server] error: " + msg);
        System.exit(64);
    }
}
