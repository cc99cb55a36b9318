package dev.backgroundjobs.testsupport;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.sql.DataSource;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * A PostgreSQL data source that asks for the plan of every statement it runs: before a
 * {@code SELECT}, {@code UPDATE} or {@code DELETE} executes, the same statement with the
 * same parameters is run as {@code EXPLAIN (FORMAT JSON)} on the same connection, and the
 * plan is kept. The stores' own SQL is so explained exactly as they run it.
 */
public final class ExplainingDataSource extends DelegatingDataSource {

	private static final JsonMapper json = JsonMapper.builder().build();

	private final List<ExplainedStatement> explained = new CopyOnWriteArrayList<>();

	/**
	 * Wraps a PostgreSQL data source.
	 * @param dataSource the data source
	 */
	public ExplainingDataSource(DataSource dataSource) {
		super(dataSource);
	}

	/**
	 * Returns the statements explained since the last {@link #clear()}.
	 * @return the statements with their plans
	 */
	public List<ExplainedStatement> explained() {
		return List.copyOf(this.explained);
	}

	/**
	 * Forgets the statements explained so far.
	 */
	public void clear() {
		this.explained.clear();
	}

	@Override
	public Connection getConnection() throws SQLException {
		Connection connection = super.getConnection();
		return proxy(Connection.class, (proxy, method, args) -> {
			Object result = invoke(connection, method, args);
			if (method.getName().equals("prepareStatement") && args != null && args[0] instanceof String sql) {
				return preparedStatement(connection, (PreparedStatement) result, sql);
			}
			if (method.getName().equals("createStatement")) {
				return statement(connection, (Statement) result);
			}
			return result;
		});
	}

	private PreparedStatement preparedStatement(Connection connection, PreparedStatement target, String sql) {
		List<Object[]> setters = new ArrayList<>();
		return proxy(PreparedStatement.class, (proxy, method, args) -> {
			String name = method.getName();
			if (name.startsWith("set") && args != null && args.length >= 2 && args[0] instanceof Integer) {
				setters.add(new Object[] { method, args });
			}
			else if (name.equals("clearParameters")) {
				setters.clear();
			}
			else if ((name.equals("executeQuery") || name.equals("execute") || name.equals("executeUpdate"))
					&& (args == null || args.length == 0)) {
				explain(connection, sql, setters);
			}
			return invoke(target, method, args);
		});
	}

	private Statement statement(Connection connection, Statement target) {
		return proxy(Statement.class, (proxy, method, args) -> {
			String name = method.getName();
			if ((name.equals("executeQuery") || name.equals("execute") || name.equals("executeUpdate")) && args != null
					&& args.length == 1 && args[0] instanceof String sql) {
				explain(connection, sql, List.of());
			}
			return invoke(target, method, args);
		});
	}

	private void explain(Connection connection, String sql, List<Object[]> setters) throws SQLException {
		String verb = sql.strip().split("\\s+", 2)[0].toUpperCase(Locale.ROOT);
		if (!List.of("SELECT", "UPDATE", "DELETE").contains(verb)) {
			return;
		}
		try (PreparedStatement explain = connection.prepareStatement("EXPLAIN (FORMAT JSON) " + sql)) {
			for (Object[] setter : setters) {
				invoke(explain, (Method) setter[0], (Object[]) setter[1]);
			}
			try (ResultSet rs = explain.executeQuery()) {
				rs.next();
				this.explained.add(new ExplainedStatement(sql, json.readTree(rs.getString(1))));
			}
		}
		catch (SQLException ex) {
			throw ex;
		}
		catch (Throwable ex) {
			throw new SQLException("Could not explain " + sql, ex);
		}
	}

	@SuppressWarnings("unchecked")
	private static <T> T proxy(Class<T> type, InvocationHandler handler) {
		return (T) Proxy.newProxyInstance(ExplainingDataSource.class.getClassLoader(), new Class<?>[] { type },
				handler);
	}

	private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
		try {
			return method.invoke(target, args);
		}
		catch (InvocationTargetException ex) {
			throw ex.getCause();
		}
	}

	/**
	 * A statement and its plan.
	 *
	 * @param sql the statement
	 * @param plan the plan, as PostgreSQL's {@code EXPLAIN (FORMAT JSON)} returns it
	 */
	public record ExplainedStatement(String sql, JsonNode plan) {

		/**
		 * Returns every node of the plan, sub-plans included.
		 * @return the nodes
		 */
		public List<JsonNode> nodes() {
			List<JsonNode> nodes = new ArrayList<>();
			collect(this.plan.get(0).get("Plan"), nodes);
			return nodes;
		}

		/**
		 * Returns the nodes that read a table sequentially.
		 * @param tables the tables
		 * @return the sequential scans of those tables
		 */
		public List<String> sequentialScansOf(String... tables) {
			return nodes().stream()
				.filter((node) -> "Seq Scan".equals(text(node, "Node Type")))
				.map((node) -> text(node, "Relation Name"))
				.filter((relation) -> List.of(tables).contains(relation))
				.toList();
		}

		/**
		 * Returns the index conditions of the nodes that read a table through an index.
		 * @param table the table
		 * @return the conditions
		 */
		public List<String> indexConditionsOn(String table) {
			return nodes().stream()
				.filter((node) -> table.equals(text(node, "Relation Name")))
				.map((node) -> text(node, "Index Cond"))
				.filter((condition) -> condition != null)
				.toList();
		}

		private static void collect(JsonNode node, List<JsonNode> nodes) {
			nodes.add(node);
			JsonNode children = node.get("Plans");
			if (children != null) {
				children.forEach((child) -> collect(child, nodes));
			}
		}

		private static String text(JsonNode node, String field) {
			JsonNode value = node.get(field);
			return (value != null) ? value.asString() : null;
		}

		@Override
		public String toString() {
			return this.sql.strip() + "\n" + this.plan.toPrettyString();
		}

	}

}
