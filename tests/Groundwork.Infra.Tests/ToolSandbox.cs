using System.Diagnostics;

namespace Groundwork.Infra.Tests;

/// <summary>
/// A directory where a tool host's boot script runs with bash against fakes of what exists only on AWS or on the tool
/// host: `aws` models Secrets Manager (secrets as files: get, put, ResourceNotFoundException for a missing one, every
/// call logged) and SSM Parameter Store's GetParameter (SecureString); other fakes are added per test. jq, curl, awk are the real ones.
/// </summary>
public sealed class ToolSandbox : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("groundwork-tools-").FullName;
    public string Bin => Path.Combine(Dir, "bin");
    public string State => Path.Combine(Dir, "state");
    private string Log => Path.Combine(Dir, "calls.log");
    public string Output { get; private set; } = "";

    public ToolSandbox()
    {
        if (!File.Exists("/usr/bin/jq"))
            throw new InvalidOperationException("The tool user-data tests need jq (apt-get install -y jq).");
        Directory.CreateDirectory(Bin);
        Directory.CreateDirectory(Path.Combine(State, "secrets"));
        Directory.CreateDirectory(Path.Combine(State, "parameters"));
        Fake("sleep", "");
        Fake("aws", """
            args=("$@")
            arg() { local i; for ((i = 0; i < ${#args[@]}; i++)); do if [ "${args[i]}" = "$1" ]; then printf '%s' "${args[i+1]}"; return; fi; done; }
            case "$1 $2" in
              "secretsmanager get-secret-value")
                id=$(arg --secret-id); f="$STATE/secrets/${id//\//_}"
                if [ ! -f "$f" ]; then
                  echo "An error occurred (ResourceNotFoundException) when calling the GetSecretValue operation: Secrets Manager can't find the specified secret." >&2
                  exit 254
                fi
                cat "$f"; echo ;;
              "secretsmanager put-secret-value")
                id=$(arg --secret-id); f="$STATE/secrets/${id//\//_}"
                [ -f "$f" ] || { echo "ResourceNotFoundException" >&2; exit 254; }
                arg --secret-string > "$f"
                echo '{"VersionId":"v2"}' ;;
              "ssm get-parameter")
                # Parameter Store as EC2 writes a key pair's private key (/ec2/keypair/<id>, SecureString): only
                # --with-decryption returns the plain value.
                name=$(arg --name); f="$STATE/parameters/${name//\//_}"
                if [ ! -f "$f" ]; then
                  echo "An error occurred (ParameterNotFound) when calling the GetParameter operation: " >&2
                  exit 254
                fi
                case "$*" in *--with-decryption*) cat "$f" ;; *) echo "AQICAHh-encrypted-blob" ;; esac ;;
              *) echo "unexpected aws $*" >&2; exit 2 ;;
            esac
            """);
    }

    public void PutSecret(string id, string json) => File.WriteAllText(SecretFile(id), json);

    public void PutParameter(string name, string value) => File.WriteAllText(Path.Combine(State, "parameters", name.Replace('/', '_')), value);

    public string? Secret(string id) => File.Exists(SecretFile(id)) ? File.ReadAllText(SecretFile(id)).Trim() : null;

    private string SecretFile(string id) => Path.Combine(State, "secrets", id.Replace('/', '_'));

    /// <summary>A command on PATH that logs its arguments and runs <paramref name="body"/> (bash; $STATE is the sandbox state).</summary>
    public void Fake(string name, string body)
    {
        var path = Path.Combine(Bin, name);
        File.WriteAllText(path, $"#!/bin/bash\nprintf '%s\\n' \"{name} $*\" >> '{Log}'\n{body}\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public IReadOnlyList<string> Calls(string name) =>
        File.Exists(Log) ? File.ReadAllLines(Log).Where(l => l.StartsWith(name + " ", StringComparison.Ordinal)).ToList() : [];

    public void ClearCalls() => File.Delete(Log);

    /// <summary>Runs a script file with bash and the given environment; returns its exit code (output in <see cref="Output"/>).</summary>
    public int Run(string script, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["PATH"] = $"{Bin}:/usr/bin:/bin";
        start.Environment["STATE"] = State;
        foreach (var (key, value) in environment) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{script} did not finish within 60 s");
        }
        Output = stdout.Result + stderr.Result;
        return process.ExitCode;
    }

    /// <summary>The boot script file shipped in the repository (the one embedded in the user data).</summary>
    public static string Script(string name) => Path.Combine(RepositoryPaths.Root, "src", "Groundwork.Infra", "UserData", "tools", name);

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}
