using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace OrleansAio.Silo.Broker;

/// <summary>
/// The broker's credentials file: one <c>user:pbkdf2-sha256:iterations:salt:hash</c> line per user (salt and hash in base 64,
/// PBKDF2-HMAC-SHA256 from <see cref="Rfc2898DeriveBytes.Pbkdf2(byte[], byte[], int, HashAlgorithmName, int)"/>). Blank lines
/// and lines starting with <c>#</c> are ignored. Re-read when its write time changes.
/// </summary>
public sealed class BrokerPasswordFile
{
    /// <summary>The scheme written in each line.</summary>
    public const string Scheme = "pbkdf2-sha256";

    /// <summary>The iteration count <see cref="HashLine"/> uses unless told otherwise (OWASP's 2023 figure for PBKDF2-HMAC-SHA256).</summary>
    public const int DefaultIterations = 600_000;

    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    private readonly string path;
    private readonly Lock gate = new();
    private Dictionary<string, Entry> entries = new(StringComparer.Ordinal);
    private DateTime loadedWriteTime;

    /// <summary>Loads the file.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="FormatException">A line is not a valid entry (the message gives its number).</exception>
    public BrokerPasswordFile(string path)
    {
        this.path = path;
        Reload();
    }

    /// <summary>The users the file holds now.</summary>
    public IReadOnlyCollection<string> Users
    {
        get
        {
            ReloadIfChanged();
            return entries.Keys;
        }
    }

    /// <summary>Checks a user name and password (the hash comparison takes constant time).</summary>
    /// <param name="user">The user name.</param>
    /// <param name="password">The password bytes.</param>
    /// <returns>Whether the pair is valid.</returns>
    public bool Verify(string user, ReadOnlySpan<byte> password)
    {
        ReloadIfChanged();
        if (!entries.TryGetValue(user, out var entry))
        {
            // Spend the same work for an unknown user, so the timing does not say which users exist.
            Rfc2898DeriveBytes.Pbkdf2(password, new byte[SaltBytes], DefaultIterations, HashAlgorithmName.SHA256, HashBytes);
            return false;
        }

        var actual = Rfc2898DeriveBytes.Pbkdf2(password, entry.Salt, entry.Iterations, HashAlgorithmName.SHA256, entry.Hash.Length);
        return CryptographicOperations.FixedTimeEquals(actual, entry.Hash);
    }

    /// <summary>Makes one line of the file for a user.</summary>
    /// <param name="user">The user name (no <c>:</c>, no white space).</param>
    /// <param name="password">The password.</param>
    /// <param name="iterations">The PBKDF2 iteration count.</param>
    /// <returns>The line.</returns>
    /// <exception cref="ArgumentException">The user name or iteration count is invalid, or the password is empty.</exception>
    public static string HashLine(string user, string password, int iterations = DefaultIterations)
    {
        ValidateUser(user);
        ArgumentException.ThrowIfNullOrEmpty(password);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1000);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, HashBytes);
        return string.Create(CultureInfo.InvariantCulture, $"{user}:{Scheme}:{iterations}:{Convert.ToBase64String(salt)}:{Convert.ToBase64String(hash)}");
    }

    /// <summary>Adds a user to a credentials file, or replaces the user's line; creates the file (owner read/write only) if needed.</summary>
    /// <param name="path">The file.</param>
    /// <param name="user">The user name.</param>
    /// <param name="password">The password.</param>
    /// <param name="iterations">The PBKDF2 iteration count.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Whether the user was new.</returns>
    public static async Task<bool> AddUserAsync(string path, string user, string password, int iterations = DefaultIterations, CancellationToken cancellationToken = default)
    {
        var line = HashLine(user, password, iterations);
        var lines = File.Exists(path) ? (await File.ReadAllLinesAsync(path, cancellationToken).ConfigureAwait(false)).ToList() : [];
        var index = lines.FindIndex(l => l.StartsWith(user + ":", StringComparison.Ordinal));
        if (index >= 0)
        {
            lines[index] = line;
        }
        else
        {
            lines.Add(line);
        }

        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using (var stream = new FileStream(temporary, options))
        await using (var writer = new StreamWriter(stream, new UTF8Encoding(false)))
        {
            foreach (var l in lines)
            {
                await writer.WriteLineAsync(l.AsMemory(), cancellationToken).ConfigureAwait(false);
            }
        }

        File.Move(temporary, path, overwrite: true);
        return index < 0;
    }

    /// <summary>Checks a user name for the file format.</summary>
    /// <param name="user">The user name.</param>
    /// <exception cref="ArgumentException">It is empty, or holds <c>:</c> or white space.</exception>
    public static void ValidateUser(string user)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        if (user.Any(c => c == ':' || char.IsWhiteSpace(c)) || user.StartsWith('#') || user.StartsWith('$'))
        {
            throw new ArgumentException($"the user name '{user}' must not contain ':' or white space, nor start with '#' or '$'", nameof(user));
        }
    }

    private void ReloadIfChanged()
    {
        DateTime writeTime;
        try
        {
            writeTime = File.GetLastWriteTimeUtc(path);
        }
        catch (IOException)
        {
            return;
        }

        if (writeTime != loadedWriteTime)
        {
            try
            {
                Reload();
            }
            catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException)
            {
                // Keep the last good entries; the next check tries again (a half-written file, usually).
                loadedWriteTime = writeTime;
            }
        }
    }

    private void Reload()
    {
        lock (gate)
        {
            var writeTime = File.GetLastWriteTimeUtc(path);
            var parsed = new Dictionary<string, Entry>(StringComparer.Ordinal);
            var number = 0;
            foreach (var raw in File.ReadAllLines(path))
            {
                number++;
                var line = raw.Trim();
                if (line.Length == 0 || line.StartsWith('#'))
                {
                    continue;
                }

                var parts = line.Split(':');
                if (parts.Length != 5 || parts[0].Length == 0 || parts[1] != Scheme
                    || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations < 1000)
                {
                    throw new FormatException($"line {number} is not 'user:{Scheme}:iterations:salt:hash' (write it with the add-user command)");
                }

                try
                {
                    parsed[parts[0]] = new Entry(iterations, Convert.FromBase64String(parts[3]), Convert.FromBase64String(parts[4]));
                }
                catch (FormatException)
                {
                    throw new FormatException($"line {number}: the salt or the hash is not base 64");
                }
            }

            entries = parsed;
            loadedWriteTime = writeTime;
        }
    }

    private sealed record Entry(int Iterations, byte[] Salt, byte[] Hash);
}
