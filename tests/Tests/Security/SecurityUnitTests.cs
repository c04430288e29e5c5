using System.Text;
using OrleansAio.Silo.Broker;
using OrleansAio.Silo.StateStore;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.Security;

/// <summary>The ACL's filter arithmetic and parser, the key-pattern matcher, the credentials file and the add-user command.</summary>
public sealed class SecurityUnitTests : IDisposable
{
    private readonly TempDirectory directory = new("security-unit");

    public void Dispose() => directory.Dispose();

    [Theory]
    [InlineData("sensors/#", "sensors/+/t", true)]
    [InlineData("sensors/#", "sensors", true)]
    [InlineData("sensors/#", "#", false)]
    [InlineData("sensors/+", "sensors/a", true)]
    [InlineData("sensors/+", "sensors/#", false)]
    [InlineData("sensors/+", "sensors/a/b", false)]
    [InlineData("#", "$SYS/x", false)]
    [InlineData("+/x", "$SYS/x", false)]
    [InlineData("a/b", "a/b", true)]
    [InlineData("a/b", "a/+", false)]
    public void CoversIsFilterInclusion(string outer, string inner, bool expected) => Assert.Equal(expected, BrokerAcl.Covers(outer, inner));

    [Theory]
    [InlineData("bogus read x", "line 1: unknown keyword 'bogus'")]
    [InlineData("user", "line 1: 'user' takes one name")]
    [InlineData("topic read a/#/b", "line 1: 'a/#/b' is not a valid MQTT topic filter")]
    public void ABadAclLineIsReportedWithItsNumber(string text, string message) =>
        Assert.StartsWith(message, Assert.Throws<FormatException>(() => BrokerAcl.Parse(text)).Message, StringComparison.Ordinal);

    [Fact]
    public void TheTlsListenerDefaultsToPort8883() => Assert.Equal(8883, new BrokerTlsOptions().Port);

    [Fact]
    public void SubstitutionNeverWidensARule()
    {
        var acl = BrokerAcl.Parse("pattern readwrite own/%c/#\npattern read users/%u");
        Assert.True(acl.IsAllowed("c1", null, BrokerAccess.Write, "own/c1/x"));
        Assert.False(acl.IsAllowed("+", null, BrokerAccess.Write, "own/a/x"));
        Assert.False(acl.IsAllowed("c1", null, BrokerAccess.Read, "users/"));
        Assert.True(acl.IsAllowed("c1", "u1", BrokerAccess.Read, "users/u1"));
        Assert.False(acl.IsAllowed("c1", "u1", BrokerAccess.Write, "users/u1"));
    }

    [Theory]
    [InlineData("alice/*", "alice/x/y", true)]
    [InlineData("alice/*", "alicex", false)]
    [InlineData("a?c", "abc", true)]
    [InlineData("*", "", true)]
    [InlineData("a\\*", "a*", true)]
    [InlineData("a\\*", "ab", false)]
    public void KeyPatternsAreGlobs(string pattern, string key, bool expected) => Assert.Equal(expected, StateStoreAuthorizer.GlobMatches(pattern, key));

    [Fact]
    public async Task AddUserWritesAVerifiableHashAndNeverThePassword()
    {
        var file = Path.Combine(directory.Path, "passwords");
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await AddUserCommand.RunAsync(["--file", file, "--user", "alice", "--iterations", "1000"], new StringReader("s3cret-pw\n"), output, error, TestContext.Current.CancellationToken);
        Assert.Equal(0, code);
        Assert.Equal($"added user alice in {file}", output.ToString().Trim());
        var text = await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken);
        Assert.DoesNotContain("s3cret-pw", text, StringComparison.Ordinal);
        Assert.StartsWith("alice:pbkdf2-sha256:1000:", text, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }

        var passwords = new BrokerPasswordFile(file);
        Assert.True(passwords.Verify("alice", Encoding.UTF8.GetBytes("s3cret-pw")));
        Assert.False(passwords.Verify("alice", Encoding.UTF8.GetBytes("s3cret-pW")));

        Assert.Equal(2, await AddUserCommand.RunAsync(["--file", file, "--user", "a:b"], new StringReader("x\n"), output, error, TestContext.Current.CancellationToken));
        Assert.Equal(2, await AddUserCommand.RunAsync(["--file", file], new StringReader("x\n"), output, error, TestContext.Current.CancellationToken));
    }
}
