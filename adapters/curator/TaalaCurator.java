// Apache Curator's ZooKeeper locks as a taala process adapter (protocol v1: /work/spec-protocol-v1.md,
// docs/adapters.md): JSON lines on stdin/stdout, one request at a time, replies flushed, logs on stderr.
//
//   java -cp <build>:<curator jars> TaalaCurator {mutex|semaphore-mutex|rw-lock} <max_wait in leases>
//
// The client is the talk's (PhonePe, docs/talk.md M6): CuratorFrameworkFactory.newClient(hosts, ...,
// new ExponentialBackoffRetry(1000, 3)), lock.acquire(time, TimeUnit) returning a boolean, release(),
// and no ConnectionStateListener. Two settings follow taala's lease instead of the talk's defaults, as
// kazoo's twin adapters do (adapters/zookeeper_lock.py): the session timeout is hello's `ttl` (the
// session is the lease; Curator's default 60 s would outlast every run), and the acquire waits
// `max_wait` leases (the talk: 10 s). The connection timeout is the session timeout too: Curator's
// default 15 s belongs with its 60 s session (it warns when the connection timeout is the longer).
//
// All requests run on the main thread: InterProcessMutex belongs to the thread that acquired it.
// The token is the lock's znode path (a display token: no fencing is claimed).

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.StringWriter;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.locks.InterProcessLock;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.framework.recipes.locks.InterProcessReadWriteLock;
import org.apache.curator.framework.recipes.locks.InterProcessSemaphoreMutex;
import org.apache.curator.framework.recipes.locks.Lease;
import org.apache.curator.retry.ExponentialBackoffRetry;

public final class TaalaCurator {
    private static final JsonFactory JSON = new JsonFactory();
    private static final Object ABSENT = new Object();  // a nested value the protocol never sends

    private final String kind;
    private final double maxWait;  // leases
    private CuratorFramework client;
    private long waitMs;
    private final Map<String, InterProcessLock> locks = new HashMap<>();
    private final Map<String, InterProcessReadWriteLock> rwLocks = new HashMap<>();

    private TaalaCurator(String kind, double maxWait) {
        this.kind = kind;
        this.maxWait = maxWait;
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, "UTF-8");
        System.setOut(System.err);  // stdout carries replies only, whatever a library prints
        if (args.length != 2 || !List.of("mutex", "semaphore-mutex", "rw-lock").contains(args[0])) {
            System.err.println("usage: TaalaCurator {mutex|semaphore-mutex|rw-lock} <max_wait in leases>");
            System.exit(2);
        }
        TaalaCurator self = new TaalaCurator(args[0], Double.parseDouble(args[1]));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        boolean greeted = false;
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) continue;
            Map<String, Object> msg;
            try {
                msg = parse(line);
            } catch (Exception e) {
                System.err.println("taala-curator: unreadable request: " + oneLine(e));
                System.exit(2);
                return;
            }
            Object op = msg.get("op");
            if (!greeted) {
                greeted = true;
                String error = "hello".equals(op) ? self.hello(msg) : "expected hello first, got op " + op;
                reply(out, "taala", 1, error == null ? Map.of("ok", true) : Map.of("error", error));
                if (error != null) break;
                continue;
            }
            Object id = msg.get("id");
            if ("close".equals(op)) {
                self.close();
                reply(out, "id", id, Map.of("ok", true));
                out.close();
                System.exit(0);
            }
            Map<String, Object> answer = new HashMap<>();
            try {
                String key = (String) msg.get("key");
                String mode = (String) msg.get("mode");
                if ("acquire".equals(op)) {
                    Object token = self.acquire(key, mode);
                    answer.put("ok", token != null);
                    if (token != null) answer.put("token", token);
                } else if ("release".equals(op)) {
                    answer.put("ok", self.release(key, mode));
                } else {
                    answer.put("error", "unknown op " + op);
                }
            } catch (Exception e) {
                answer.clear();
                answer.put("error", oneLine(e));
            }
            reply(out, "id", id, answer);
        }
        self.close();
        System.exit(0);
    }

    // --- the locks ------------------------------------------------------------------------------

    private String hello(Map<String, Object> msg) {
        if (!Long.valueOf(1).equals(msg.get("taala"))) return "speaks protocol 1, not " + msg.get("taala");
        @SuppressWarnings("unchecked")
        List<Object> addresses = (List<Object>) msg.get("addresses");
        double ttl = ((Number) msg.get("ttl")).doubleValue();
        int sessionMs = (int) Math.round(ttl * 1000);
        waitMs = Math.round(maxWait * ttl * 1000);
        StringBuilder hosts = new StringBuilder();
        for (Object a : addresses) hosts.append(hosts.length() > 0 ? "," : "").append(a);
        try {
            client = CuratorFrameworkFactory.newClient(hosts.toString(), sessionMs, sessionMs,
                                                       new ExponentialBackoffRetry(1000, 3));
            client.start();
            if (!client.blockUntilConnected(Math.max(5000, 2 * sessionMs), TimeUnit.MILLISECONDS))
                return "could not connect to " + hosts + " within " + Math.max(5000, 2 * sessionMs) + " ms";
            int granted = client.getZookeeperClient().getZooKeeper().getSessionTimeout();
            if (granted != sessionMs)  // the server clamps a session to 2..20 ticks without a word
                return "ZooKeeper grants a " + seconds(granted / 1000.0) + " s session, not the " + seconds(ttl) + " s lease asked for";
        } catch (Exception e) {
            return oneLine(e);
        }
        return null;
    }

    private InterProcessLock lock(String key, String mode) {
        String path = "/taala/" + key;
        if (kind.equals("rw-lock")) {
            InterProcessReadWriteLock rw = rwLocks.computeIfAbsent(key, k -> new InterProcessReadWriteLock(client, path));
            if ("read".equals(mode)) return rw.readLock();
            if (mode == null || "write".equals(mode)) return rw.writeLock();
            throw new IllegalArgumentException("no mode " + mode + " (write, read)");
        }
        if (mode != null) throw new IllegalArgumentException(kind + " has no modes, got " + mode);
        // one instance per path, reused: "don't create a new instance every time" (Curator's docs)
        return locks.computeIfAbsent(key, k -> kind.equals("mutex") ? new InterProcessMutex(client, path)
                                                                   : new InterProcessSemaphoreMutex(client, path));
    }

    /** The lock node's path when held, else null (refused: acquire's time ran out). */
    private Object acquire(String key, String mode) throws Exception {
        InterProcessLock lock = lock(key, mode);
        if (!lock.acquire(waitMs, TimeUnit.MILLISECONDS)) return null;
        return token(lock, "/taala/" + key);
    }

    private boolean release(String key, String mode) throws Exception {
        try {
            lock(key, mode).release();
            return true;
        } catch (IllegalMonitorStateException | IllegalStateException e) {
            return false;  // InterProcessMutex: "You do not own the lock"; the semaphore mutex: "Not acquired"
        }
    }

    /** Curator keeps the holder's znode private: InterProcessMutex.getLockPath() is protected, the
     *  semaphore mutex's Lease a private field; reflection reads them (class path: one module). */
    private static Object token(InterProcessLock lock, String path) {
        try {
            if (lock instanceof InterProcessMutex) {
                Method m = InterProcessMutex.class.getDeclaredMethod("getLockPath");
                m.setAccessible(true);
                return m.invoke(lock);
            }
            Field f = InterProcessSemaphoreMutex.class.getDeclaredField("lease");
            f.setAccessible(true);
            return path + "/leases/" + ((Lease) f.get(lock)).getNodeName();  // InterProcessSemaphoreV2's layout
        } catch (ReflectiveOperationException | RuntimeException e) {
            return true;  // held, node unknown: a token only needs to be truthy
        }
    }

    private void close() {
        if (client != null) client.close();
        client = null;
    }

    // --- JSON lines: flat objects of scalars (and hello's list of addresses) ---------------------

    static Map<String, Object> parse(String line) throws Exception {
        Map<String, Object> msg = new HashMap<>();
        try (JsonParser p = JSON.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new IllegalArgumentException("not a JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.getCurrentName();
                JsonToken t = p.nextToken();
                if (t == JsonToken.START_ARRAY) {
                    List<Object> items = new ArrayList<>();
                    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                        if (t.isStructStart()) {
                            p.skipChildren();
                            items.add(ABSENT);
                        } else {
                            items.add(scalar(p, t));
                        }
                    }
                    msg.put(name, items);
                } else if (t == JsonToken.START_OBJECT) {
                    p.skipChildren();
                    msg.put(name, ABSENT);
                } else {
                    msg.put(name, scalar(p, t));
                }
            }
        }
        return msg;
    }

    private static Object scalar(JsonParser p, JsonToken t) throws Exception {
        switch (t) {
            case VALUE_STRING: return p.getText();
            case VALUE_NUMBER_INT: return p.getLongValue();
            case VALUE_NUMBER_FLOAT: return p.getDoubleValue();
            case VALUE_TRUE: return Boolean.TRUE;
            case VALUE_FALSE: return Boolean.FALSE;
            default: return null;
        }
    }

    private static void reply(PrintStream out, String firstName, Object firstValue, Map<String, Object> rest) throws Exception {
        StringWriter s = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(s)) {
            g.writeStartObject();
            writeField(g, firstName, firstValue);
            for (Map.Entry<String, Object> e : rest.entrySet()) writeField(g, e.getKey(), e.getValue());
            g.writeEndObject();
        }
        out.print(s);
        out.print('\n');
        out.flush();
    }

    private static void writeField(JsonGenerator g, String name, Object v) throws Exception {
        g.writeFieldName(name);
        if (v == null || v == ABSENT) g.writeNull();
        else if (v instanceof Boolean) g.writeBoolean((Boolean) v);
        else if (v instanceof Long || v instanceof Integer) g.writeNumber(((Number) v).longValue());
        else if (v instanceof Number) g.writeNumber(((Number) v).doubleValue());
        else g.writeString(v.toString());
    }

    private static String seconds(double s) {
        return new java.math.BigDecimal(Double.toString(s)).stripTrailingZeros().toPlainString();
    }

    private static String oneLine(Throwable e) {
        String text = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        text = text.replaceAll("\\s+", " ").trim();
        return text.length() > 500 ? text.substring(0, 500) : text;
    }
}
