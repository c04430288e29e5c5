using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrleansAio.Abstractions.Common;
using OrleansAio.Protocol.Common;

namespace OrleansAio.Silo.Hosting;

/// <summary>
/// The one way a capability's options are registered: bound from a configuration section, changed by the caller's delegate,
/// and validated when the host starts (<c>ValidateOnStart</c>) with an error that names the setting as
/// <c>Section:Key: problem</c>, which the silo host reports as its one-line start-up error.
/// </summary>
public static class AioOptions
{
    /// <summary>Registers <typeparamref name="TOptions"/> (named <paramref name="name"/>, or the default options) the capability way.</summary>
    /// <typeparam name="TOptions">The options type.</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="section">The configuration section the options bind from (for instance <c>StateStore</c>); also the prefix of every error.</param>
    /// <param name="configure">The caller's changes, applied after the configuration; optional.</param>
    /// <param name="validate">Checks the options, throwing <see cref="ArgumentException"/> (its <c>ParamName</c> the key) or a
    /// configuration <see cref="AioProtocolException"/> (its <c>PropertyName</c> the key) for the first bad value.</param>
    /// <param name="name">The named options' name (one per command or topic), or <see langword="null"/> for the default options.</param>
    /// <returns>The options builder.</returns>
    public static OptionsBuilder<TOptions> AddAioOptions<TOptions>(
        this IServiceCollection services, string section, Action<TOptions>? configure, Action<TOptions> validate, string? name = null)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(section);
        ArgumentNullException.ThrowIfNull(validate);
        var optionsName = name ?? Options.DefaultName;
        var builder = services.AddOptions<TOptions>(optionsName).BindConfiguration(section);
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        services.AddSingleton<IValidateOptions<TOptions>>(new Validator<TOptions>(optionsName, section, validate));
        return builder.ValidateOnStart();
    }

    /// <summary>Splits a validation failure of <see cref="AddAioOptions{TOptions}"/> into the setting and the problem.</summary>
    /// <param name="failure">The failure text.</param>
    /// <returns>The setting (<c>Section:Key</c>) and the problem.</returns>
    public static (string Setting, string Problem) SplitFailure(string failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var separator = failure.IndexOf(": ", StringComparison.Ordinal);
        return separator < 0 ? (string.Empty, failure) : (failure[..separator], failure[(separator + 2)..]);
    }

    private sealed class Validator<TOptions>(string optionsName, string section, Action<TOptions> validate) : IValidateOptions<TOptions>
        where TOptions : class
    {
        public ValidateOptionsResult Validate(string? name, TOptions options)
        {
            if (!string.Equals(name ?? Options.DefaultName, optionsName, StringComparison.Ordinal))
            {
                return ValidateOptionsResult.Skip;
            }

            try
            {
                validate(options);
                return ValidateOptionsResult.Success;
            }
            catch (ArgumentException ex)
            {
                return ValidateOptionsResult.Fail($"{section}:{ex.ParamName}: {FirstSentence(ex.Message)}");
            }
            catch (AioProtocolException ex) when (ex.Kind == AioErrorKind.ConfigurationInvalid)
            {
                return ValidateOptionsResult.Fail($"{section}:{ex.PropertyName}: {ex.Message}");
            }
        }

        // ArgumentException appends " (Parameter 'x')" and ArgumentOutOfRangeException "Actual value was y." on new lines.
        private static string FirstSentence(string message)
        {
            var end = message.IndexOfAny(['\r', '\n']);
            var text = end < 0 ? message : message[..end];
            var parameter = text.IndexOf(" (Parameter '", StringComparison.Ordinal);
            return parameter < 0 ? text : text[..parameter];
        }
    }
}
