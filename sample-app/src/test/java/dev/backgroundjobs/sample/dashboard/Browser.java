package dev.backgroundjobs.sample.dashboard;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import static org.assertj.core.api.Assertions.fail;

/**
 * A headless Chromium driven by Selenium: the distribution's {@code chromium} and
 * {@code chromedriver} (Debian's {@code chromium} and {@code chromium-driver} packages),
 * never a browser downloaded at run time.
 * <p>
 * Without them the tests that use it are skipped, unless the system property
 * {@value #REQUIRE_PROPERTY} is {@code true} (as CI sets it), which makes them fail.
 */
final class Browser implements AutoCloseable {

	static final String REQUIRE_PROPERTY = "background-jobs.require-browser";

	private static final Path CHROMIUM = Path
		.of(System.getProperty("background-jobs.test.chromium", "/usr/bin/chromium"));

	private static final Path CHROMEDRIVER = Path
		.of(System.getProperty("background-jobs.test.chromedriver", "/usr/bin/chromedriver"));

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	private final ChromeDriver driver;

	private final WebDriverWait wait;

	private Browser(ChromeDriver driver) {
		this.driver = driver;
		// Pages that refresh themselves replace their rows: look again for a replaced
		// one.
		this.wait = new WebDriverWait(driver, TIMEOUT);
		this.wait.ignoring(StaleElementReferenceException.class);
	}

	/**
	 * Starts the browser, or skips the calling test when it is not installed.
	 * @return the browser
	 */
	static Browser start() {
		if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
			String message = "Chromium (" + CHROMIUM + ") or chromedriver (" + CHROMEDRIVER
					+ ") is not installed; on Debian: apt-get install chromium chromium-driver";
			if (Boolean.getBoolean(REQUIRE_PROPERTY)) {
				fail(message + " (" + REQUIRE_PROPERTY + "=true)");
			}
			Assumptions.abort(message + "; skipping the browser tests");
		}
		ChromeOptions options = new ChromeOptions();
		options.setBinary(CHROMIUM.toFile());
		options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
				"--window-size=1280,900");
		ChromeDriverService service = new ChromeDriverService.Builder()
			.usingDriverExecutable(new File(CHROMEDRIVER.toString()))
			.usingAnyFreePort()
			.build();
		ChromeDriver driver = new ChromeDriver(service, options);
		driver.manage().window().setSize(new Dimension(1280, 900));
		return new Browser(driver);
	}

	WebDriver driver() {
		return this.driver;
	}

	void open(String url) {
		this.driver.get(url);
	}

	WebElement find(String css) {
		return this.wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(css)));
	}

	void click(String css) {
		this.wait.until((driver) -> {
			WebElement element = ExpectedConditions.elementToBeClickable(By.cssSelector(css)).apply(driver);
			if (element == null) {
				return false;
			}
			element.click();
			return true;
		});
	}

	String attribute(String css, String name) {
		return this.wait.until((driver) -> driver.findElement(By.cssSelector(css)).getAttribute(name));
	}

	String text(String css) {
		return this.wait.until((driver) -> driver.findElement(By.cssSelector(css)).getText());
	}

	/**
	 * Waits until an element's text contains every one of the values, finding the element
	 * again at each look: a page that refreshes itself replaces its elements between a
	 * find and a read, and renders its data after its frame.
	 * @param css the element
	 * @param values the texts it must contain
	 * @return the element's text
	 */
	String textContaining(String css, String... values) {
		AtomicReference<String> lastSeen = new AtomicReference<>();
		try {
			return this.wait.until((driver) -> {
				String text = driver.findElement(By.cssSelector(css)).getText();
				lastSeen.set(text);
				return Arrays.stream(values).allMatch(text::contains) ? text : null;
			});
		}
		catch (TimeoutException ex) {
			throw new AssertionError("Expected the text of '" + css + "' to contain " + Arrays.toString(values)
					+ " within " + TIMEOUT + ", last seen: " + lastSeen.get(), ex);
		}
	}

	void acceptConfirmation() {
		this.wait.until(ExpectedConditions.alertIsPresent()).accept();
	}

	<T> T until(Function<WebDriver, T> condition) {
		return this.wait.until(condition);
	}

	/**
	 * Waits until an element's text contains a value, reloading the page between looks
	 * (for pages that do not refresh themselves).
	 * @param css the element
	 * @param text the text
	 */
	void reloadUntilText(String css, String text) {
		this.wait.until((driver) -> {
			if (!driver.findElements(By.cssSelector(css)).isEmpty()
					&& driver.findElement(By.cssSelector(css)).getText().contains(text)) {
				return true;
			}
			driver.navigate().refresh();
			return false;
		});
	}

	/**
	 * Saves a screenshot under {@code target/dashboard-screenshots}, and in the folder
	 * named by {@code background-jobs.dashboard.screenshots} if set.
	 * @param name the file name, without extension
	 */
	void screenshot(String name) {
		byte[] png = this.driver.getScreenshotAs(OutputType.BYTES);
		try {
			write(Path.of("target", "dashboard-screenshots"), name, png);
			String folder = System.getProperty("background-jobs.dashboard.screenshots", "");
			if (!folder.isBlank()) {
				write(Path.of(folder), name, png);
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static void write(Path folder, String name, byte[] png) throws IOException {
		Files.createDirectories(folder);
		Files.write(folder.resolve(name + ".png"), png);
	}

	@Override
	public void close() {
		this.driver.quit();
	}

}
