using System.Runtime.CompilerServices;

// `entente bench` times the engines directly (the group layer hides them).
[assembly: InternalsVisibleTo("entente")]
