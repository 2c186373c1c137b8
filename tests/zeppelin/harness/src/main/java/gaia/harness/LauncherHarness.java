package gaia.harness;

import com.google.common.collect.ImmutableMap;
import com.google.common.collect.Maps;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.DefaultKubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.StringJoiner;

/**
 * What Zeppelin's Kubernetes launcher does when a note first needs an interpreter, for one
 * Zeppelin release, with that release's libraries: Jinjava renders the interpreter spec, Guava
 * builds the bindings, the fabric8 kubernetes-client parses the rendered objects and creates
 * them on an API server. The launcher plugin (zeppelin-plugins/launcher/k8s-standard) is not
 * published on Maven Central, so its two classes that matter, K8sRemoteInterpreterProcess and
 * K8sSpecTemplate, are followed here statement by statement; comments give the upstream line
 * (apache/zeppelin: 0.9.0 = commit 9b839b5ae3, 0.10.1 = 1654ce3847 (tag v0.10.1-rc2), 0.11.2 and
 * 0.12.0 = their tags; the launcher is identical in 0.11.2 and 0.12.0). Zeppelin's own classes
 * are used where Maven Central has them: the interpreter setting is loaded by zeppelin-zengine
 * 0.9.0 (InterpreterInfoSaving, InterpreterSetting) and environment names are recognised by
 * RemoteInterpreterUtils (zeppelin-interpreter 0.9.0 and 0.10.1).
 *
 * <p>Protocol: one JSON request per stdin line, one JSON answer per stdout line (see
 * tests/zeppelin/launcher.py). Upstream reads the server's environment with System.getenv;
 * here the request carries the environment the chart gives the server container ("serverEnv"),
 * and the namespace the service account token file would give ("serverNamespace").
 */
public final class LauncherHarness {
  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();
  // K8sRemoteInterpreterProcess: K8S_INTERPRETER_SERVICE_PORT, getSparkDriverPort,
  // getSparkBlockmanagerPort (0.9.0 lines 35, 422-433).
  private static final int INTERPRETER_PORT = 12321;
  private static final int SPARK_DRIVER_PORT = 22321;
  private static final int SPARK_BLOCKMANAGER_PORT = 22322;

  private final String version;
  private final int minor;
  private final Random rand = new Random();

  private LauncherHarness(String version) {
    this.version = version;
    this.minor = Integer.parseInt(version.split("[.]")[1]);
  }

  public static void main(String[] args) throws Exception {
    LauncherHarness harness = new LauncherHarness(args[0]);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isBlank()) {
        continue;
      }
      Map<String, Object> answer;
      try {
        answer = harness.handle(GSON.fromJson(line, JsonObject.class));
      } catch (Throwable e) {
        answer = failure(e);
      }
      out.println(GSON.toJson(answer));
    }
  }

  private static Map<String, Object> failure(Throwable e) {
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("ok", false);
    answer.put("exception", e.getClass().getName());
    answer.put("message", e.getMessage());
    if (e instanceof KubernetesClientException) {
      answer.put("status", ((KubernetesClientException) e).getCode());
    }
    StringWriter trace = new StringWriter();
    e.printStackTrace(new PrintWriter(trace));
    answer.put("trace", trace.toString());
    return answer;
  }

  private Map<String, Object> handle(JsonObject request) throws Exception {
    String group = request.get("group").getAsString();
    Map<String, String> serverEnv = stringMap(request.getAsJsonObject("serverEnv"));
    String namespace = request.get("namespace").getAsString();
    String noteId = request.get("noteId").getAsString();
    // Who runs the paragraph (the execution context's user).
    String user = request.has("user") && !request.get("user").isJsonNull()
        ? request.get("user").getAsString() : null;
    // A note run in isolated mode (ExecutionContext.inIsolatedMode, e.g. a scheduled run) and
    // its start time.
    String isolatedStart = request.has("isolatedStart")
        ? request.get("isolatedStart").getAsString() : null;
    // Stopping the process (K8sRemoteInterpreterProcess.stop, 0.9.0 line 196, 0.10.1 line 199,
    // 0.11.2/0.12.0 line 200): the spec rendered again with getTemplateBindings(null), and its
    // objects deleted.
    boolean stop = request.has("stop") && request.get("stop").getAsBoolean();
    Path interpreterJson = request.has("interpreterJson")
        ? Paths.get(request.get("interpreterJson").getAsString()) : null;

    // InterpreterSetting.getJavaProperties() of the setting the note binds to: the chart's
    // interpreter.json for "spark"; other groups keep the image's defaults (no properties here).
    Properties properties = new Properties();
    if (interpreterJson != null && "spark".equals(group)) {
      properties = loadSettingProperties(interpreterJson, group);
    }
    // K8sStandardInterpreterLauncher.launchDirectly passes context.getInterpreterGroupId()
    // (0.9.0 line 145): the id of the ManagedInterpreterGroup the execution landed in.
    String groupId = interpreterGroupId(interpreterJson, group, user, noteId, isolatedStart);
    Map<String, String> envs = buildEnvFromProperties(properties, groupId);

    // K8sStandardInterpreterLauncher.getZeppelinService: <ZEPPELIN_K8S_SERVICE_NAME>.<namespace>.svc
    // (ZeppelinConfiguration default "zeppelin-server").
    String serverService = String.format("%s.%s.svc",
        serverEnv.getOrDefault("ZEPPELIN_K8S_SERVICE_NAME", "zeppelin-server"), namespace);
    String containerImage = serverEnv.getOrDefault("ZEPPELIN_K8S_CONTAINER_IMAGE",
        "apache/zeppelin:" + version);
    String sparkImage = serverEnv.getOrDefault("ZEPPELIN_K8S_SPARK_CONTAINER_IMAGE", "spark:2.4.5");
    // getZeppelinServiceRpcPort: the <HOSTNAME>_SERVICE_PORT_RPC variable Kubernetes sets, else
    // the event server's port (12320 in the chart's ZEPPELIN_SERVER_RPC_PORTRANGE).
    int rpcPort = 12320;

    // The constructor: podName = group.toLowerCase() + "-" + 6 random lowercase letters
    // (0.9.0 line 96 getRandomString; 0.10.1+ RandomStringUtils.randomAlphabetic(6).toLowerCase()).
    String podName = request.has("podName") ? request.get("podName").getAsString()
        : group.toLowerCase() + "-" + randomLetters(6);

    Launch launch = new Launch(group, groupId, podName, namespace, properties, envs, serverEnv,
        serverService, rpcPort, containerImage, sparkImage,
        request.has("serverNamespace") ? request.get("serverNamespace").getAsString() : namespace);
    // start(userName) binds the user who started the process, stop() none.
    Properties bindings = launch.getTemplateBindings(stop ? null : user);

    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("ok", true);
    answer.put("podName", podName);
    answer.put("groupId", groupId);
    answer.put("properties", propertiesMap(launch.properties));
    answer.put("env", launch.lastEnv);
    File specDir = new File(request.get("specDir").getAsString());
    List<Object> rendered = new ArrayList<>();
    List<String> created = new ArrayList<>();
    KubernetesClient client = request.has("apiserver")
        ? client(request.getAsJsonObject("apiserver")) : null;
    try {
      // apply(specTemplates, false, templateProperties): every file of the directory, sorted.
      File[] files = specDir.listFiles();
      Arrays.sort(files);
      for (File file : files) {
        // 0.10.1+ skip hidden files and backups (0.9.0 logs "Skip" but goes on).
        if (minor >= 10 && (file.getName().startsWith(".") || file.isHidden()
            || file.getName().endsWith("~"))) {
          continue;
        }
        if (!file.isFile()) {
          continue;
        }
        String template = render(Files.readString(file.toPath(), StandardCharsets.UTF_8), bindings);
        answer.put("template", template);
        // client.load(IOUtils.toInputStream(template)): fabric8's own parser and model classes,
        // so whatever that client version's model lacks is gone from here on.
        var loaded = (client != null ? client : offlineClient()).load(
            new ByteArrayInputStream(template.getBytes(StandardCharsets.UTF_8)));
        for (HasMetadata object : loaded.get()) {
          // As fabric8 serialises it for the request (JSON text: Gson would make every
          // number a double).
          rendered.add(Serialization.asJson(object));
        }
        if (client != null && stop) {
          // k8sObjects.inNamespace(namespace).delete() (0.9.0 line 282, 0.10.1 line 279,
          // 0.11.2 line 286 with the interpreter namespace).
          answer.put("deleted", loaded.inNamespace(namespace).delete());
        } else if (client != null) {
          // k8sObjects.inNamespace(namespace).createOrReplace() (0.9.0 line 284, 0.10.1 line
          // 281, 0.11.2 line 288 with the interpreter namespace).
          for (HasMetadata object : loaded.inNamespace(namespace).createOrReplace()) {
            created.add(object.getKind() + "/" + object.getMetadata().getName());
          }
        }
      }
    } finally {
      if (client != null) {
        client.close();
      }
    }
    answer.put("objects", rendered);
    answer.put("created", created);
    return answer;
  }

  /** The interpreter setting's properties, loaded as the server loads interpreter.json. */
  private Properties loadSettingProperties(Path interpreterJson, String group) throws Exception {
    if ("0.9.0".equals(version)) {
      // zeppelin-zengine 0.9.0 itself (compiled in only for 0.9.0).
      Class<?> loader = Class.forName("org.apache.zeppelin.interpreter.ZengineSettings");
      return (Properties) loader.getMethod("load", Path.class, String.class)
          .invoke(null, interpreterJson, group);
    }
    // No zeppelin-zengine for later releases on Maven Central: InterpreterSetting.getJavaProperties
    // (0.9.0 lines 626-650, unchanged in later releases): every property whose value is not
    // null, key and value trimmed, plus output.limit, pool size and localRepo defaults.
    JsonObject settings = GSON.fromJson(Files.readString(interpreterJson), JsonObject.class)
        .getAsJsonObject("interpreterSettings").getAsJsonObject(group);
    Properties properties = new Properties();
    JsonObject props = settings.getAsJsonObject("properties");
    for (String key : props.keySet()) {
      JsonObject property = props.getAsJsonObject(key);
      if (property.has("value") && !property.get("value").isJsonNull()) {
        properties.setProperty(key.trim(), property.get("value").getAsString().trim());
      }
    }
    properties.putIfAbsent("zeppelin.interpreter.output.limit", "102400");
    properties.putIfAbsent("zeppelin.interpreter.connection.poolsize", "100");
    properties.setProperty("zeppelin.interpreter.localRepo", "/opt/zeppelin/local-repo/" + group);
    return properties;
  }

  /**
   * InterpreterSetting.getInterpreterGroupId (identical in 0.9.0 line 399, 0.10.1 and 0.11.2
   * line 400, 0.12.0 line 405): zengine's own on 0.9.0; for later releases (zengine not on
   * Maven Central) followed here. The setting is the one interpreter.json saves for the group,
   * else the template from the image's interpreter-setting.json (id and name the group, the
   * manager's default option: shared).
   */
  private String interpreterGroupId(Path interpreterJson, String group, String user,
                                    String noteId, String isolatedStart) throws Exception {
    if ("0.9.0".equals(version)) {
      Class<?> loader = Class.forName("org.apache.zeppelin.interpreter.ZengineSettings");
      return (String) loader.getMethod("groupId", Path.class, String.class, String.class,
          String.class, boolean.class, String.class)
          .invoke(null, interpreterJson, group, user, noteId, isolatedStart != null, isolatedStart);
    }
    JsonObject setting = null;
    if (interpreterJson != null) {
      setting = GSON.fromJson(Files.readString(interpreterJson), JsonObject.class)
          .getAsJsonObject("interpreterSettings").getAsJsonObject(group);
    }
    String id = setting != null ? setting.get("id").getAsString() : group;
    String name = setting != null ? setting.get("name").getAsString() : group;
    JsonObject option = setting != null ? setting.getAsJsonObject("option") : new JsonObject();
    if (isolatedStart != null) {
      return name + "-isolated-" + noteId + "-" + isolatedStart;
    }
    // InterpreterOption.perUserIsolated/perNoteIsolated/isIsolated: "isolated" exactly.
    boolean perUser = "isolated".equals(optionString(option, "perUser"));
    boolean perNote = "isolated".equals(optionString(option, "perNote"));
    List<String> keys = new ArrayList<>();
    if (option.has("isExistingProcess") && option.get("isExistingProcess").getAsBoolean()) {
      keys.add("existing_process");
    } else if (perUser || perNote) {
      if (perUser) {
        keys.add(user);
      }
      if (perNote) {
        keys.add(noteId);
      }
    } else {
      keys.add("shared_process");
    }
    // StringUtils.join(keys, "-"): a null user joins as an empty string.
    StringJoiner joined = new StringJoiner("-");
    for (String key : keys) {
      joined.add(key == null ? "" : key);
    }
    return id + "-" + joined;
  }

  private static String optionString(JsonObject option, String key) {
    return option.has(key) && !option.get(key).isJsonNull() ? option.get(key).getAsString() : null;
  }

  /** K8sStandardInterpreterLauncher.buildEnvFromProperties (0.9.0 line 160). */
  private Map<String, String> buildEnvFromProperties(Properties properties, String groupId) {
    Map<String, String> env = new HashMap<>();
    for (Object key : properties.keySet()) {
      if (isEnvString((String) key)) {
        env.put((String) key, properties.getProperty((String) key));
      }
    }
    env.put("INTERPRETER_GROUP_ID", groupId);
    return env;
  }

  private boolean isEnvString(String key) {
    try {
      // RemoteInterpreterUtils.isEnvString from zeppelin-interpreter (0.9.0, 0.10.1).
      Class<?> utils = Class.forName("org.apache.zeppelin.interpreter.remote.RemoteInterpreterUtils");
      return (Boolean) utils.getMethod("isEnvString", String.class).invoke(null, key);
    } catch (ReflectiveOperationException e) {
      // 0.11.2/0.12.0 (not on Maven Central): RemoteInterpreterUtils line 126, unchanged.
      return key != null && !key.isEmpty() && key.matches("^[A-Z_0-9]*");
    }
  }

  /**
   * K8sSpecTemplate.loadProperties + render (all four releases): dotted keys become nested maps
   * (a key that is both a leaf and a prefix keeps its leaf under "_"), then Jinjava with
   * lstrip_blocks and trim_blocks.
   */
  @SuppressWarnings("unchecked")
  static String render(String template, Properties bindings) {
    HashMap<String, Object> root = new HashMap<>();
    for (Map.Entry<Object, Object> entry : bindings.entrySet()) {
      String[] keySplit = ((String) entry.getKey()).split("[.]");
      Map<String, Object> target = root;
      for (int i = 0; i < keySplit.length - 1; i++) {
        if (!target.containsKey(keySplit[i])) {
          HashMap<String, Object> sub = new HashMap<>();
          target.put(keySplit[i], sub);
          target = sub;
        } else {
          Object sub = target.get(keySplit[i]);
          if (!(sub instanceof Map)) {
            HashMap<String, Object> replace = new HashMap<>();
            replace.put("_", sub);
            target.put(keySplit[i], replace);
          }
          target = (Map<String, Object>) target.get(keySplit[i]);
        }
      }
      String last = keySplit[keySplit.length - 1];
      if (target.get(last) instanceof Map) {
        ((Map<String, Object>) target.get(last)).put("_", entry.getValue());
      } else {
        target.put(last, entry.getValue());
      }
    }
    JinjavaConfig config = JinjavaConfig.newBuilder().withLstripBlocks(true).withTrimBlocks(true).build();
    return new Jinjava(config).render(template, root);
  }

  /** One K8sRemoteInterpreterProcess: its fields and getTemplateBindings. */
  private final class Launch {
    final String group;
    final String groupId;
    final String podName;
    final String namespace;
    final Properties properties;
    final Map<String, String> envs;
    final Map<String, String> serverEnv;
    final String serverService;
    final int rpcPort;
    final String containerImage;
    final String sparkImage;
    final String serverNamespace;
    Map<String, String> lastEnv;

    Launch(String group, String groupId, String podName, String namespace, Properties properties,
           Map<String, String> envs, Map<String, String> serverEnv, String serverService,
           int rpcPort, String containerImage, String sparkImage, String serverNamespace) {
      this.group = group;
      this.groupId = groupId;
      this.podName = podName;
      this.namespace = namespace;
      this.properties = properties;
      this.envs = new HashMap<>(envs);
      this.serverEnv = serverEnv;
      this.serverService = serverService;
      this.rpcPort = rpcPort;
      this.containerImage = containerImage;
      this.sparkImage = sparkImage;
      this.serverNamespace = serverNamespace;
    }

    /** System.getenv of the server process. */
    String getenv(String name) {
      return serverEnv.get(name);
    }

    boolean isSpark() {
      return "spark".equalsIgnoreCase(group);
    }

    // getServiceAccount (0.10.1+): the interpreter property, else "default".
    String serviceAccount() {
      return properties.containsKey("zeppelin.k8s.interpreter.serviceAccount")
          ? properties.getProperty("zeppelin.k8s.interpreter.serviceAccount") : "default";
    }

    // 0.9.0 line 292, 0.10.1 line 289, 0.11.2/0.12.0 line 296.
    Properties getTemplateBindings(String userName) {
      Properties k8s = new Properties();
      if (minor >= 11) {
        k8s.put("zeppelin.k8s.interpreter.user", String.valueOf(userName).trim());
        k8s.put("zeppelin.k8s.interpreter.namespace", namespace);
      } else {
        k8s.put("zeppelin.k8s.namespace", namespace);
        if (minor == 10) {
          k8s.put("zeppelin.k8s.interpreter.user", String.valueOf(userName).trim());
        }
      }
      k8s.put("zeppelin.k8s.interpreter.pod.name", podName);
      if (minor >= 10) {
        k8s.put("zeppelin.k8s.interpreter.serviceAccount", serviceAccount());
      }
      k8s.put("zeppelin.k8s.interpreter.container.name", group.toLowerCase());
      k8s.put("zeppelin.k8s.interpreter.container.image", containerImage);
      k8s.put("zeppelin.k8s.interpreter.group.id", groupId);
      k8s.put("zeppelin.k8s.interpreter.group.name", group);
      k8s.put("zeppelin.k8s.interpreter.setting.name", group);
      k8s.put("zeppelin.k8s.interpreter.localRepo", "/tmp/local-repo");
      k8s.put("zeppelin.k8s.interpreter.rpc.portRange",
          String.format("%d:%d", INTERPRETER_PORT, INTERPRETER_PORT));
      k8s.put("zeppelin.k8s.server.rpc.service", serverService);
      k8s.put("zeppelin.k8s.server.rpc.portRange", rpcPort);
      // ownerUID()/ownerName() read POD_UID/POD_NAME; from 0.11 only when the server's own
      // namespace (K8sUtils.getCurrentK8sNamespace) is the interpreter's.
      boolean sameNamespace = minor < 11 || namespace.equals(serverNamespace);
      if (getenv("POD_UID") != null && getenv("POD_NAME") != null && sameNamespace) {
        k8s.put("zeppelin.k8s.server.uid", getenv("POD_UID"));
        k8s.put("zeppelin.k8s.server.pod.name", getenv("POD_NAME"));
      }

      Map<String, String> env;
      if (minor == 9) {
        // 0.9.0 line 313: no default; SERVICE_DOMAIN may become null here.
        env = envs;
        env.put("SERVICE_DOMAIN", envs.getOrDefault("SERVICE_DOMAIN", getenv("SERVICE_DOMAIN")));
      } else {
        // 0.10.1 line 313, 0.11.2 line 324: local.zeppelin-project.org when unset.
        env = new HashMap<>(envs);
        env.put("SERVICE_DOMAIN", envs.getOrDefault("SERVICE_DOMAIN",
            getenv("SERVICE_DOMAIN") == null ? "local.zeppelin-project.org" : getenv("SERVICE_DOMAIN")));
      }
      env.put("ZEPPELIN_HOME", envs.getOrDefault("ZEPPELIN_HOME", getenv("ZEPPELIN_HOME")));

      if (isSpark()) {
        int webUiPort = 4040;
        k8s.put("zeppelin.k8s.spark.container.image", sparkImage);
        if (minor >= 11) {
          // spark.driver.defaultJavaOptions/extraJavaOptions move to an environment variable.
          StringJoiner javaOpts = new StringJoiner(" ");
          for (String key : new String[] {"spark.driver.defaultJavaOptions", "spark.driver.extraJavaOptions"}) {
            if (properties.containsKey(key)) {
              javaOpts.add((String) properties.remove(key));
            }
          }
          if (javaOpts.length() > 0) {
            env.put("SPARK_DRIVER_EXTRAJAVAOPTIONS_CONF", javaOpts.toString());
          }
        }
        if (properties.getOrDefault("spark.master", "").toString().startsWith("k8s://")) {
          if (minor >= 11) {
            addSparkK8sProperties();
            env.put("ZEPPELIN_SPARK_CONF", prepareZeppelinSparkConf());
          } else {
            env.put("SPARK_SUBMIT_OPTIONS", envs.getOrDefault("SPARK_SUBMIT_OPTIONS", "")
                + buildSparkSubmitOptions());
          }
        }
        env.put("SPARK_HOME", envs.getOrDefault("SPARK_HOME", "/spark"));
        String webUrl = (String) properties.get("zeppelin.spark.uiWebUrl");
        if (webUrl == null || webUrl.isBlank()) {
          webUrl = "//{{PORT}}-{{SERVICE_NAME}}.{{SERVICE_DOMAIN}}";
        }
        properties.put("zeppelin.spark.uiWebUrl",
            sparkUiWebUrlFromTemplate(webUrl, webUiPort, podName, env.get("SERVICE_DOMAIN")));
        if (minor >= 10) {
          String ingressHost = (String) properties.get("zeppelin.k8s.spark.ingress.host");
          if (ingressHost == null || ingressHost.isBlank()) {
            ingressHost = "{{PORT}}-{{SERVICE_NAME}}.{{SERVICE_DOMAIN}}";
          }
          properties.put("zeppelin.k8s.spark.ingress.host",
              sparkUiWebUrlFromTemplate(ingressHost, webUiPort, podName, env.get("SERVICE_DOMAIN")));
        }
        if (properties.containsKey("spark.driver.memory")) {
          String memory = properties.containsKey("spark.driver.memoryOverhead")
              ? (mebibytes(properties.getProperty("spark.driver.memory"))
                 + mebibytes(properties.getProperty("spark.driver.memoryOverhead"))) + "Mi"
              : withDefaultOverhead(properties.getProperty("spark.driver.memory"));
          k8s.put("zeppelin.k8s.interpreter.memory", memory);
        }
        if (properties.containsKey("spark.driver.cores")) {
          k8s.put("zeppelin.k8s.interpreter.cores", properties.getProperty("spark.driver.cores"));
        }
      }
      k8s.put("zeppelin.k8s.envs", env);
      lastEnv = env;
      // "interpreter properties overrides the values"
      k8s.putAll(Maps.fromProperties(properties));
      return k8s;
    }

    /** 0.9.0 line 360: Guava's ImmutableMap refuses a null value (finding 1's exception). */
    String sparkUiWebUrlFromTemplate(String template, int port, String serviceName, String serviceDomain) {
      ImmutableMap<String, Object> binding = ImmutableMap.of(
          "PORT", port, "SERVICE_NAME", serviceName, "SERVICE_DOMAIN", serviceDomain);
      return new Jinjava().render(template, binding);
    }

    /** 0.9.0 line 388, 0.10.1 line 403: appended to the interpreter's SPARK_SUBMIT_OPTIONS. */
    String buildSparkSubmitOptions() {
      StringBuilder options = new StringBuilder();
      options.append(" --master k8s://https://kubernetes.default.svc");
      options.append(" --deploy-mode client");
      if (properties.containsKey("spark.driver.memory")) {
        options.append(" --driver-memory ").append(properties.get("spark.driver.memory"));
      }
      options.append(" --conf spark.kubernetes.namespace=").append(namespace);
      options.append(" --conf spark.executor.instances=1");
      options.append(" --conf spark.kubernetes.driver.pod.name=").append(podName);
      String image = minor >= 10 && properties.containsKey("zeppelin.k8s.spark.container.image")
          ? properties.getProperty("zeppelin.k8s.spark.container.image") : sparkImage;
      options.append(" --conf spark.kubernetes.container.image=").append(image);
      options.append(" --conf spark.driver.bindAddress=0.0.0.0");
      options.append(" --conf spark.driver.host=").append(podName).append('.').append(namespace).append(".svc");
      options.append(" --conf spark.driver.port=").append(SPARK_DRIVER_PORT);
      options.append(" --conf spark.blockManager.port=").append(SPARK_BLOCKMANAGER_PORT);
      return options.toString();
    }

    /** 0.11.2 line 447. */
    void addSparkK8sProperties() {
      properties.setProperty("spark.master", "k8s://https://kubernetes.default.svc");
      properties.setProperty("spark.submit.deployMode", "client");
      properties.setProperty("spark.kubernetes.namespace", namespace);
      properties.setProperty("spark.kubernetes.driver.pod.name", podName);
      properties.setProperty("spark.kubernetes.container.image",
          properties.containsKey("zeppelin.k8s.spark.container.image")
              ? properties.getProperty("zeppelin.k8s.spark.container.image") : sparkImage);
      properties.setProperty("spark.driver.bindAddress", "0.0.0.0");
      properties.setProperty("spark.driver.host", podName + "." + namespace + ".svc");
      properties.setProperty("spark.driver.port", String.valueOf(SPARK_DRIVER_PORT));
      properties.setProperty("spark.blockManager.port", String.valueOf(SPARK_BLOCKMANAGER_PORT));
    }

    /** 0.11.2 line 429: "--conf|k=v|..." of every non-empty spark.* property. */
    String prepareZeppelinSparkConf() {
      StringJoiner conf = new StringJoiner("|");
      for (String key : properties.stringPropertyNames()) {
        String value = properties.getProperty(key);
        if (!key.isEmpty() && key.startsWith("spark.") && value != null && !value.isEmpty()) {
          conf.add("--conf");
          conf.add(key + "=" + value);
        }
      }
      return conf.toString();
    }
  }

  // K8sUtils.calculateMemoryWithDefaultOverhead: memory + max(10 %, 384 MiB), in Mi.
  static String withDefaultOverhead(String memory) {
    long mib = mebibytes(memory);
    return (mib + Math.max((long) (mib * 0.1f), 384L)) + "Mi";
  }

  // K8sUtils.convertToBytes / M.
  static long mebibytes(String memory) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]+)([a-z]+)?")
        .matcher(memory.toLowerCase().trim());
    if (!m.matches()) {
      throw new NumberFormatException("Failed to parse string: " + memory);
    }
    long value = Long.parseLong(m.group(1));
    String suffix = m.group(2) == null ? "" : m.group(2);
    long bytes = suffix.contains("k") ? value << 10 : suffix.contains("m") ? value << 20
        : suffix.contains("g") ? value << 30 : suffix.contains("t") ? value << 40 : value;
    return bytes >> 20;
  }

  private String randomLetters(int length) {
    char[] chars = "abcdefghijklmnopqrstuvwxyz".toCharArray();
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < length; i++) {
      sb.append(chars[rand.nextInt(chars.length)]);
    }
    return sb.toString();
  }

  private static Map<String, String> stringMap(JsonObject object) {
    Map<String, String> map = new HashMap<>();
    if (object != null) {
      for (String key : object.keySet()) {
        if (!object.get(key).isJsonNull()) {
          map.put(key, object.get(key).getAsString());
        }
      }
    }
    return map;
  }

  private static Map<String, String> propertiesMap(Properties properties) {
    Map<String, String> map = new LinkedHashMap<>();
    for (String key : properties.stringPropertyNames()) {
      map.put(key, properties.getProperty(key));
    }
    return map;
  }

  private static KubernetesClient client(JsonObject apiserver) {
    Config config = new ConfigBuilder()
        .withMasterUrl(apiserver.get("url").getAsString())
        .withOauthToken(apiserver.get("token").getAsString())
        .withCaCertFile(apiserver.get("caFile").getAsString())
        .build();
    return new DefaultKubernetesClient(config);
  }

  private static KubernetesClient offlineClient() {
    // Parsing needs no server; the URL is never contacted.
    return new DefaultKubernetesClient(new ConfigBuilder().withMasterUrl("https://127.0.0.1:9").build());
  }
}
