using Xunit;

namespace DistillKit.Tests.Support;

/// <summary>The test classes that start kit trainings or swarms of kit processes: run one after another (each class
/// uses the machine's cores), in parallel only with the in-process tests.</summary>
[CollectionDefinition(Name)]
public sealed class TrainingChildren
{
    public const string Name = "kit child processes";
}
