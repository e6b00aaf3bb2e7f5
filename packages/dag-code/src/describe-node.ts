import ts from "typescript";

const NAMES: Partial<Record<ts.SyntaxKind, string>> = {
  [ts.SyntaxKind.TemplateExpression]: "a template string with substitutions",
  [ts.SyntaxKind.SpreadElement]: "a spread (...)",
  [ts.SyntaxKind.SpreadAssignment]: "a spread (...)",
  [ts.SyntaxKind.ShorthandPropertyAssignment]: "a shorthand property (a variable)",
  [ts.SyntaxKind.ArrowFunction]: "a function",
  [ts.SyntaxKind.FunctionExpression]: "a function",
  [ts.SyntaxKind.FunctionDeclaration]: "a function declaration",
  [ts.SyntaxKind.ClassDeclaration]: "a class declaration",
  [ts.SyntaxKind.MethodDeclaration]: "a method",
  [ts.SyntaxKind.GetAccessor]: "a getter",
  [ts.SyntaxKind.SetAccessor]: "a setter",
  [ts.SyntaxKind.ForStatement]: "a for loop",
  [ts.SyntaxKind.ForOfStatement]: "a for…of loop",
  [ts.SyntaxKind.ForInStatement]: "a for…in loop",
  [ts.SyntaxKind.WhileStatement]: "a while loop",
  [ts.SyntaxKind.DoStatement]: "a do…while loop",
  [ts.SyntaxKind.IfStatement]: "an if statement",
  [ts.SyntaxKind.BinaryExpression]: "an operator expression",
  [ts.SyntaxKind.ConditionalExpression]: "a conditional (?:)",
  [ts.SyntaxKind.BigIntLiteral]: "a bigint",
  [ts.SyntaxKind.RegularExpressionLiteral]: "a regular expression",
  [ts.SyntaxKind.OmittedExpression]: "an array hole",
  [ts.SyntaxKind.ElementAccessExpression]: "an element access",
  [ts.SyntaxKind.PropertyAccessExpression]: "a property access",
  [ts.SyntaxKind.AwaitExpression]: "an await",
  [ts.SyntaxKind.NewExpression]: "a `new` expression",
};

/** What a node is, in words for an error message: `a call to \`makeTasks()\``, `the variable \`size\``. */
export function describeNode(node: ts.Node, sourceFile: ts.SourceFile): string {
  if (ts.isIdentifier(node)) return `the variable \`${node.text}\``;
  if (ts.isCallExpression(node)) return `a call to \`${clip(node.expression.getText(sourceFile))}()\``;
  if (ts.isNewExpression(node)) return `\`new ${clip(node.expression.getText(sourceFile))}(…)\``;
  if (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) return `the expression \`${clip(node.getText(sourceFile))}\``;
  if (ts.isVariableStatement(node)) return "a variable declaration";
  if (ts.isExpressionStatement(node)) return describeNode(node.expression, sourceFile);
  return NAMES[node.kind] ?? `a ${ts.SyntaxKind[node.kind]} (\`${clip(node.getText(sourceFile))}\`)`;
}

function clip(text: string): string {
  const line = text.split("\n")[0] ?? "";
  return line.length > 40 || line !== text ? `${line.slice(0, 40)}…` : line;
}
