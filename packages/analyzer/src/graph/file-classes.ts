import ts from 'typescript';
import { perSourceFile } from '../incremental/per-source-file.js';

/**
 * Every class of a file (declarations and expressions), in source order, outer before inner.
 *
 * A class can be written anywhere an expression can, but most files hold theirs as statements
 * (of the file or of a namespace): the whole tree is walked only when the text says `class`
 * more often than those statements account for (a nested class, a class expression, or only
 * the word in a comment or a string).
 */
export const classesOf = perSourceFile((sf): readonly ts.ClassLikeDeclaration[] => {
  const classes = sf.text.includes('class') ? statementClasses(sf) : [];
  return !sf.isDeclarationFile && classes.length < (sf.text.match(/\bclass\b/g)?.length ?? 0) ? everyClass(sf) : classes;
});

function statementClasses(sf: ts.SourceFile): ts.ClassLikeDeclaration[] {
  const found: ts.ClassLikeDeclaration[] = [];
  const statements = (list: readonly ts.Statement[]): void => {
    for (const statement of list) {
      if (ts.isClassDeclaration(statement)) found.push(statement);
      else if (ts.isModuleDeclaration(statement)) {
        let body = statement.body;
        while (body && ts.isModuleDeclaration(body)) body = body.body;
        if (body && ts.isModuleBlock(body)) statements(body.statements);
      }
    }
  };
  statements(sf.statements);
  return found;
}

function everyClass(sf: ts.SourceFile): ts.ClassLikeDeclaration[] {
  const found: ts.ClassLikeDeclaration[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isClassLike(node)) found.push(node);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}
